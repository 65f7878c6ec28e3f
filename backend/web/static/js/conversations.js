// The conversation list: choose, rename, delete, and a mark on the ones still answering;
// paged as it scrolls, searchable and grouped by date (history.js).
import { el } from "./dom.js";
import { PAGE_SIZE, Pages, groupByDate } from "./history.js";

const MOST_PER_REQUEST = 200;

export class ConversationList {
  constructor(api, list, hooks, { search, more, status } = {}) {
    this.api = api;
    this.list = list;
    this.hooks = hooks; // onSelect(id), onDeleted(id), onError(message)
    this.items = new Map();
    this.current = null;
    this.answering = new Set(); // followed in this tab, before the server says so
    this.renaming = null;
    this.draft = null; // the title being typed, kept when the list is redrawn meanwhile
    this.query = "";
    this.pages = new Pages(api, "");
    this.status = status;
    this.more = more;
    if (more) {
      this.observer = new IntersectionObserver((entries) => {
        if (entries.some((entry) => entry.isIntersecting)) this.loadMore();
      }, { root: more.closest(".panel"), rootMargin: "200px" });
      this.observer.observe(more);
    }
    if (search) this.wireSearch(search);
  }

  // From the top again, as far down as the list had been read (a reload keeps the place).
  async load() {
    const want = Math.max(PAGE_SIZE, this.pages.fetched);
    const pages = new Pages(this.api, this.query);
    const items = new Map();
    this.pages = pages;
    while (!pages.done && pages.fetched < want) {
      const page = await pages.next(Math.min(MOST_PER_REQUEST, want - pages.fetched));
      if (this.pages !== pages) return;
      for (const c of page) items.set(c.id, c);
    }
    this.items = items;
    this.render();
  }

  async loadMore() {
    const pages = this.pages;
    if (pages.done || pages.pending) return;
    try {
      const page = await pages.next();
      if (this.pages !== pages) return;
      for (const c of page) if (!this.items.has(c.id)) this.items.set(c.id, c);
      this.render();
    } catch (error) {
      this.hooks.onError(error.message);
    }
  }

  wireSearch(search) {
    let timer = null;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.query = search.value.trim();
        this.pages = new Pages(this.api, this.query);
        this.load().catch((error) => this.hooks.onError(error.message));
      }, 250);
    });
  }

  // A conversation from the live feed (or our own calls). While searching, only the ones
  // shown are updated: a change may not match the search.
  apply(action, conversation) {
    if (action === "deleted") this.items.delete(conversation.id);
    else if (!this.query || this.items.has(conversation.id)) {
      this.items.set(conversation.id, { ...this.items.get(conversation.id), ...conversation });
    }
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
    this.list.replaceChildren(...groupByDate(sorted).map(([label, group]) =>
      el("section", { className: "group" }, el("h3", { text: label }),
        el("ul", { className: "conversations" }, ...group.map((c) => this.item(c))))));
    this.showStatus();
    // Observed afresh: a marker still in view after a page reports again, so a short
    // page on a tall screen is followed by the next one.
    if (this.more && !this.pages.done) {
      this.observer.unobserve(this.more);
      this.observer.observe(this.more);
    }
    if (focused !== undefined) {
      this.list.querySelector(`[data-conversation="${focused}"][data-role="${role}"]`)?.focus();
    }
  }

  showStatus() {
    if (!this.status) return;
    let text = "";
    if (!this.pages.done) text = "Loading older conversations…";
    else if (this.query && this.items.size === 0) text = `No conversation mentions “${this.query}”.`;
    this.status.textContent = text;
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
      this.draft = title;
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

  // The list is redrawn whenever a conversation changes (the live feed, an answer): the form
  // drawn again keeps what was typed, and render() gives its field the focus back.
  renameForm({ id }) {
    const input = el("input", { attrs: { "aria-label": "Conversation title", maxlength: "200",
      required: "", "data-conversation": id, "data-role": "title" } });
    input.value = this.draft;
    input.addEventListener("input", () => {
      this.draft = input.value;
    });
    const form = el("form", { className: "rename" }, input,
      el("button", { text: "Save", attrs: { type: "submit" } }));
    const stop = () => {
      this.renaming = null;
      this.draft = null;
      this.render();
      this.list.querySelector(`[data-conversation="${id}"][data-role="rename"]`)?.focus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      stop();
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
