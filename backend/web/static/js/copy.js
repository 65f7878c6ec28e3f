// Copy a whole message, or one code block on its own, with the Clipboard API. The button
// says "Copied" for two seconds (and a screen reader hears it: the button's name changes).
import { el } from "./dom.js";
import { sentAt } from "./when.js";

export function copyButton(name, textOf) {
  const button = el("button", { className: "quiet small copy", text: "Copy",
    attrs: { type: "button", "aria-label": name } });
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(textOf());
      say(button, "Copied", `${name}: copied`);
    } catch {
      say(button, "Not copied", `${name}: the browser did not allow it`);
    }
  });
  return button;
}

function say(button, text, name) {
  const [before, beforeName] = [button.textContent, button.getAttribute("aria-label")];
  button.textContent = text;
  button.setAttribute("aria-label", name);
  setTimeout(() => {
    button.textContent = before;
    button.setAttribute("aria-label", beforeName);
  }, 2000);
}

// A finished message gets "Copy message" (its text as written, Markdown and all) and each of
// its code blocks a "Copy <language> code" of its own.
export function addCopyControls(article, body, textOf, createdAt) {
  article.querySelector(":scope > .message-actions")?.remove();
  for (const block of body.querySelectorAll(".code-block")) {
    const language = block.querySelector(".code-language").textContent;
    const code = block.querySelector("code");
    const name = language === "code" ? "Copy code" : `Copy ${language} code`;
    block.querySelector(".code-head").append(copyButton(name, () => code.textContent));
  }
  article.append(el("div", { className: "message-actions" }, sentAt(createdAt),
    copyButton("Copy message", textOf)));
}
