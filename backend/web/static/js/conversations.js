// The conversation list: choose, rename, delete, and a mark on the ones still answering.
import { el } from "./dom.js";

export class ConversationList {
  constructor(api, list, hooks) {
    this.api = api;
    this.list = list;
    this.hooks = hooks; // onSelect(id), onDeleted(id), onError(message)
    this.items = new Map();
    this.current = null;
    this.answering = new Set(); // followed in this tab, before the server says so
    this.renaming = null;
  }

  async load() {
    const body = await this.api.json("/conversations?limit=100");
    this.items = new Map(body.conversations.map((c) => [c.id, c]));
    this.render();
  }

  // A conversation from the live feed (or our own calls).
  apply(action, conversation) {
    if (action === "deleted") this.items.delete(conversation.id);
    else this.items.set(conversation.id, { ...this.items.get(conversation.id), ...conversation });
    this.render();
  }

  select(id) {
    this.current = id;
    this.render();
  }

  setAnswering(id, answering) {
    if (answering) this.answering.add(id);
    else this.answering.delete(id);
    this.render();
  }

  title(id) {
    return this.items.get(id)?.title ?? "New conversation";
  }

  render() {
    const focused = document.activeElement?.dataset?.conversation;
    const role = document.activeElement?.dataset?.role;
    const sorted = [...this.items.values()].sort((a, b) =>
      b.updated_at.localeCompare(a.updated_at) || b.id - a.id);
    this.list.replaceChildren(...sorted.map((c) => this.item(c)));
    if (focused !== undefined) {
      this.list.querySelector(`[data-conversation="${focused}"][data-role="${role}"]`)?.focus();
    }
  }

  item(conversation) {
    const { id, title } = conversation;
    const running = conversation.running || this.answering.has(id);
    const li = el("li", { className: `conversation${id === this.current ? " current" : ""}` });
    if (this.renaming === id) {
      li.append(this.renameForm(conversation));
      return li;
    }
    const open = el("button", { className: "open", attrs: { type: "button",
      "data-conversation": id, "data-role": "open" } }, el("span", { className: "title", text: title }));
    if (id === this.current) open.setAttribute("aria-current", "true");
    if (running) {
      open.append(el("span", { className: "running", attrs: { title: "answering" } },
        el("span", { className: "visually-hidden", text: " (answering)" })));
    }
    open.addEventListener("click", () => this.hooks.onSelect(id));
    const rename = this.action("Rename", id, title, () => {
      this.renaming = id;
      this.render();
      this.list.querySelector("input")?.focus();
    });
    const remove = this.action("Delete", id, title, () => this.remove(id, title));
    li.append(open, el("span", { className: "actions" }, rename, remove));
    return li;
  }

  action(label, id, title, onClick) {
    const button = el("button", { className: "quiet small", text: label, attrs: { type: "button",
      "aria-label": `${label} conversation “${title}”`, "data-conversation": id,
      "data-role": label.toLowerCase() } });
    button.addEventListener("click", onClick);
    return button;
  }

  renameForm({ id, title }) {
    const input = el("input", { attrs: { "aria-label": "Conversation title", maxlength: "200",
      required: "" } });
    input.value = title;
    const form = el("form", { className: "rename" }, input,
      el("button", { text: "Save", attrs: { type: "submit" } }));
    const stop = () => {
      this.renaming = null;
      this.render();
      this.list.querySelector(`[data-conversation="${id}"][data-role="rename"]`)?.focus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") stop();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const updated = await this.api.json(`/conversations/${id}`,
          { method: "PATCH", body: { title: input.value } });
        this.items.set(id, { ...this.items.get(id), ...updated });
        this.hooks.onRenamed(id);
        stop();
      } catch (error) {
        this.hooks.onError(error.message);
      }
    });
    return form;
  }

  async remove(id, title) {
    if (!confirm(`Delete the conversation “${title}” and its messages?`)) return;
    try {
      await this.api.json(`/conversations/${id}`, { method: "DELETE" });
    } catch (error) {
      if (error.status !== 404) {
        this.hooks.onError(error.message);
        return;
      }
    }
    this.items.delete(id);
    this.render();
    this.hooks.onDeleted(id);
  }
}
