// Versions of messages on the page (docs/api.md "Versions"): Edit on the person's messages,
// Regenerate on the last answer, "‹ 2/2 ›" where a message has versions, and the question
// asked before an answer that changed tasks is replaced.
import { el } from "./dom.js";

const DID = { created: "added", updated: "changed", completed: "completed",
  reopened: "reopened", deleted: "deleted", restored: "brought back" };

// The controls row of a message (Copy's), created when it has none yet.
function actionsOf(article) {
  let row = article.querySelector(":scope > .message-actions");
  if (!row) {
    row = el("div", { className: "message-actions" });
    article.append(row);
  }
  return row;
}

// "‹ 2/3 ›": the message's place among its versions, and buttons to the others.
export function addVersionNav(article, message, choose) {
  const versions = message.versions ?? [];
  if (versions.length < 2) return;
  const at = versions.indexOf(message.id);
  const who = message.role === "user" ? "message" : "answer";
  const button = (text, label, target) => {
    const node = el("button", { className: "quiet small", text,
      attrs: { type: "button", "aria-label": label } });
    node.disabled = target === undefined;
    node.addEventListener("click", () => choose(target));
    return node;
  };
  const nav = el("span", { className: "versions", attrs: { role: "group",
    "aria-label": `Version ${at + 1} of ${versions.length} of this ${who}` } },
  button("‹", `Previous version of this ${who}`, versions[at - 1]),
  el("span", { className: "version-at", text: `${at + 1}/${versions.length}` }),
  button("›", `Next version of this ${who}`, versions[at + 1]));
  actionsOf(article).prepend(nav);
}

export function addRegenerate(article, regenerate) {
  article.querySelectorAll(".regenerate").forEach((node) => node.remove());
  const button = el("button", { className: "quiet small regenerate", text: "Regenerate",
    attrs: { type: "button", "aria-label": "Regenerate this answer" } });
  button.addEventListener("click", () => regenerate());
  actionsOf(article).append(button);
}

// Edit: the message's text in a box, sent again as a new version (the old one stays).
export function addEdit(article, text, send) {
  const button = el("button", { className: "quiet small edit", text: "Edit",
    attrs: { type: "button", "aria-label": "Edit this message" } });
  button.addEventListener("click", () => {
    const box = el("textarea", { className: "edit-box",
      attrs: { "aria-label": "Edit your message", maxlength: "4000", rows: "3" } });
    box.value = text;
    const save = el("button", { text: "Send",
      attrs: { type: "submit", "aria-label": "Send edited message" } });
    const cancel = el("button", { className: "quiet", text: "Cancel", attrs: { type: "button" } });
    const form = el("form", { className: "edit-form" }, box,
      el("div", { className: "answer-actions" }, save, cancel));
    const hidden = [...article.children];
    for (const node of hidden) node.hidden = true;
    const close = () => {
      form.remove();
      for (const node of hidden) node.hidden = false;
    };
    cancel.addEventListener("click", () => {
      close();
      button.focus();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const edited = box.value.trim();
      if (!edited) return;
      save.disabled = true;
      if (!(await send(edited))) {
        save.disabled = false;
        return;
      }
      close();
    });
    article.append(form);
    box.focus();
  });
  actionsOf(article).append(button);
}

// "added task 3 · Buy milk and completed task 1 · Call mom"
export function describeChanges(entries) {
  const words = entries.map((entry) => {
    const task = entry.after ?? entry.before ?? {};
    return `${DID[entry.action] ?? entry.action} task ${entry.task_id} · ${task.title ?? ""}`;
  });
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

// Ask before replacing answers that changed tasks: "undo" | "keep" | null (not now).
export function askAboutChanges(where, entries, answers, verb) {
  return new Promise((resolve) => {
    const subject = answers > 1 ? "These answers" : "This answer";
    const question = `${subject} ${describeChanges(entries)}. Undo those changes first?`;
    const choice = (text, value, className = "") => {
      const button = el("button", { className, text, attrs: { type: "button" } });
      button.addEventListener("click", () => {
        group.remove();
        resolve(value);
      });
      return button;
    };
    const undo = choice(`Undo and ${verb}`, "undo");
    const group = el("div", { className: "approval changes-offer",
      attrs: { role: "group", "aria-label": question } },
    el("p", { className: "approval-summary", text: question }),
    undo, choice(`Keep and ${verb}`, "keep"), choice("Cancel", null, "quiet"));
    where.append(group);
    group.scrollIntoView?.({ block: "nearest" });
    undo.focus();
  });
}
