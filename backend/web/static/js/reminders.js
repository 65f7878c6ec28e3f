// Reminders from the live feed: a notice on the page (an alert region, seen on every screen
// size), and a browser notification once the person has allowed them with the button: the
// page never asks on its own.
import { el } from "./dom.js";

export class Reminders {
  constructor(region, allowButton) {
    this.region = region;
    this.allowButton = allowButton;
    allowButton.hidden = !("Notification" in window) || Notification.permission !== "default";
    allowButton.onclick = async () => {
      await Notification.requestPermission();
      allowButton.hidden = Notification.permission !== "default";
    };
  }

  show(task) {
    const text = `Reminder: #${task.id} ${task.title}`;
    const dismiss = el("button", { className: "quiet small", text: "Dismiss",
      attrs: { type: "button", "aria-label": `Dismiss reminder for task ${task.id}` } });
    const notice = el("p", { className: "reminder" }, el("span", { text }), dismiss);
    dismiss.addEventListener("click", () => notice.remove());
    this.region.append(notice);
    if ("Notification" in window && Notification.permission === "granted") {
      new Notification("todo-chat reminder", { body: `#${task.id} ${task.title}`, tag: `task-${task.id}` });
    }
  }

  clear() {
    this.region.replaceChildren();
  }
}
