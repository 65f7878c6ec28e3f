// How messages look in the conversation log: the person's text, the assistant's answer (safe
// Markdown), its tool calls as chips that open to their arguments and result, and notices.
import { el } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { addCopyControls } from "./copy.js";
import { toolWords } from "./chips.js";

export function userMessage(text, createdAt) {
  const body = el("p", { className: "plain", text });
  const article = el("article", { className: "message user", attrs: { "aria-label": "You" } },
    body);
  addCopyControls(article, body, () => text, createdAt);
  return article;
}

export class AnswerView {
  constructor(announcer) {
    this.announcer = announcer;
    this.text = "";
    this.unspoken = "";
    this.chips = new Map();
    this.skipped = false; // its start was no longer in the run's log (ChatView.apply)
    this.tools = el("div", { className: "tools" });
    this.body = el("div", { className: "body" });
    this.note = el("p", { className: "note", attrs: { hidden: "" } });
    this.element = el("article", { className: "message assistant writing",
      attrs: { "aria-label": "Assistant" } }, this.tools, this.body, this.note);
    announcer.textContent = "";
  }

  append(text) {
    this.text += text;
    this.body.replaceChildren(renderMarkdown(this.text));
    this.unspoken += text;
    // Screen readers hear whole sentences as they complete, not every fragment.
    const end = Math.max(...[". ", "! ", "? ", "\n"].map((mark) => this.unspoken.lastIndexOf(mark)));
    if (end >= 0) this.speak(this.unspoken.slice(0, end + 1));
  }

  speak(text) {
    this.unspoken = this.unspoken.slice(text.length);
    if (text.trim()) this.announcer.append(document.createTextNode(text));
  }

  toolCall({ id, name, arguments: args }) {
    const summary = el("summary", {}, el("span", { className: "tool-name", text: name }),
      el("span", { className: "tool-state", text: "running…" }));
    const chip = el("details", { className: "chip" }, summary,
      el("p", { className: "tool-label", text: "Arguments" }),
      el("pre", { text: JSON.stringify(args, null, 2) }));
    this.chips.set(id, chip);
    this.tools.append(chip);
  }

  // The call waits for the person's decision (its result comes with the resumed answer).
  waiting(id) {
    const state = this.chips.get(id)?.querySelector(".tool-state");
    if (state) state.textContent = "waiting for you";
  }

  toolResult({ id, name, output, is_error: isError }) {
    if (!this.chips.has(id)) this.toolCall({ id, name, arguments: {} });
    const chip = this.chips.get(id);
    chip.classList.toggle("failed", isError);
    chip.querySelector(".tool-state").textContent = isError ? "failed" : "done";
    const words = toolWords(name ?? "tool", output, isError);
    if (words) {
      chip.querySelector(".tool-name").textContent = words;
      chip.querySelector(".tool-state").textContent = "";
    }
    chip.append(el("p", { className: "tool-label", text: isError ? "Error" : "Result" }),
      el("pre", { text: typeof output === "string" ? output : JSON.stringify(output, null, 2) }));
  }

  finish(status) {
    this.speak(this.unspoken);
    this.element.classList.remove("writing");
    if (this.text) addCopyControls(this.element, this.body, () => this.text, this.createdAt);
    if (status === "stopped") this.notice("Stopped.");
    const waits = status === "awaiting_approval";
    if (!this.text && status !== "stopped" && !waits && !this.chips.size) this.notice("(no answer)");
  }

  fail(detail, retry) {
    this.speak(this.unspoken);
    this.element.classList.remove("writing");
    this.element.classList.add("failed");
    this.notice(detail);
    if (retry) {
      const button = el("button", { className: "retry", text: "Retry", attrs: { type: "button" } });
      button.addEventListener("click", () => {
        button.disabled = true;
        retry();
      });
      this.note.append(" ", button);
    }
    this.announcer.append(document.createTextNode(detail));
  }

  notice(text) {
    this.note.textContent = text;
    this.note.hidden = false;
  }
}

// A stored assistant message, drawn like a finished answer.
// A stored answer; a failed one shows why, with Retry when `retry(view)` is given.
export function storedAnswer(message, retry = null) {
  const view = new AnswerView(document.createElement("div"));
  for (const call of message.tool_calls ?? []) {
    view.toolCall(call);
    view.toolResult(call);
  }
  view.text = message.content;
  view.createdAt = message.created_at;
  view.body.replaceChildren(renderMarkdown(message.content));
  if (message.status === "failed") {
    view.fail(message.error?.detail ?? "This answer was cut off.", retry && (() => retry(view)));
  } else {
    view.finish(message.status ?? "completed");
  }
  view.element.dataset.messageId = message.id;
  return view.element;
}

// A tool call waiting for the person (docs/api.md §19): its question, Approve and Cancel.
// `decide(approve)` resumes the answer; both buttons are disabled once one is pressed.
export function approvalQuestion({ summary }, decide) {
  const subject = summary.replace(/\?$/, "");
  const approve = el("button", { className: "approve", text: "Approve",
    attrs: { type: "button", "aria-label": `Approve: ${subject}` } });
  const cancel = el("button", { className: "cancel", text: "Cancel",
    attrs: { type: "button", "aria-label": `Cancel: do not ${lowerFirst(subject)}` } });
  const group = el("div", { className: "approval", attrs: { role: "group", "aria-label": summary } },
    el("p", { className: "approval-summary", text: summary }), approve, cancel);
  for (const [button, choice] of [[approve, true], [cancel, false]]) {
    button.addEventListener("click", async () => {
      approve.disabled = true;
      cancel.disabled = true;
      const decided = await decide(choice);
      if (decided) {
        // Decided: the question stays as a record, its buttons go (nothing left to press).
        group.classList.add("decided");
        approve.remove();
        cancel.remove();
        group.append(el("p", { className: "approval-decision", text: choice ? "Approved." : "Cancelled." }));
      } else {
        approve.disabled = false;
        cancel.disabled = false;
      }
    });
  }
  return group;
}

function lowerFirst(text) {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
