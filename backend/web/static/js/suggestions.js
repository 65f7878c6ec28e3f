// A first screen: an empty conversation offers a few things to say; one click sends it.
import { el } from "./dom.js";

export const SUGGESTIONS = [
  "What's pending?",
  "Add a task to buy milk tomorrow",
  "What is due this week?",
];

export function showSuggestions(container, shown, send) {
  container.hidden = !shown;
  if (!shown || container.childElementCount) return;
  container.append(...SUGGESTIONS.map((text) => {
    const button = el("button", { className: "quiet suggestion", text, attrs: { type: "button" } });
    button.addEventListener("click", () => {
      container.hidden = true;
      send(text);
    });
    return button;
  }));
}
