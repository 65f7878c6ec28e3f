// Undo on the page (docs/api.md §19): the Undo control of an answer that changed tasks, and
// the few seconds after a delete in the task panel when it can be taken back.
import { el } from "./dom.js";

const CHANGING = new Set(["add_task", "complete_task", "delete_task", "update_task",
  "undo_last_change"]);
const TOAST_SECONDS = 8;

export function changedTasks(toolCalls) {
  return (toolCalls ?? []).some((call) => CHANGING.has(call.name) && !call.is_error);
}

// "Undo" under an answer: everything that answer changed, all or none.
export function answerUndo(api, conversationId, messageId, onUndone) {
  const button = el("button", { className: "quiet small", text: "Undo",
    attrs: { type: "button", "aria-label": "Undo what this answer changed" } });
  const status = el("span", { className: "undo-status", attrs: { role: "status" } });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api.json(`/conversations/${conversationId}/messages/${messageId}/undo`,
        { method: "POST" });
      button.remove();
      status.textContent = "Undone.";
      onUndone?.();
    } catch (error) {
      status.textContent = error.message;
      if (error.code === "already_undone") button.remove();
      else button.disabled = false;
    }
  });
  return el("p", { className: "answer-actions" }, button, " ", status);
}

// A short-lived "Deleted … [Undo]" line; a new one replaces the last.
export class UndoToast {
  constructor(node) {
    this.node = node;
    this.timer = null;
  }

  show(text, label, undo) {
    clearTimeout(this.timer);
    const button = el("button", { className: "small", text: "Undo",
      attrs: { type: "button", "aria-label": label } });
    button.addEventListener("click", async () => {
      button.disabled = true;
      clearTimeout(this.timer);
      try {
        await undo();
        this.hide();
      } catch (error) {
        this.node.replaceChildren(el("span", { text: error.message }));
        this.timer = setTimeout(() => this.hide(), TOAST_SECONDS * 1000);
      }
    });
    this.node.replaceChildren(el("span", { text }), " ", button);
    this.node.hidden = false;
    this.timer = setTimeout(() => this.hide(), TOAST_SECONDS * 1000);
    return button;
  }

  hide() {
    clearTimeout(this.timer);
    this.node.replaceChildren();
    this.node.hidden = true;
  }
}
