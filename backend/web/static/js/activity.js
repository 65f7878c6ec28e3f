// "What changed": the activity record (GET /activity, newest first), each change with who
// made it and an Undo while it still stands (docs/api.md §19).
import { el, showNotice } from "./dom.js";
import { showDate } from "./time.js";

const PAGE = 30;
const DID = { created: "Added", updated: "Changed", completed: "Completed",
  reopened: "Reopened", deleted: "Deleted", restored: "Brought back" };
const BY = { rest: "in the task panel or the API", chat: "in chat", chatkit: "in ChatKit",
  mcp: "by an MCP client", system: "as the next repeat" };

export class ActivityView {
  constructor(api, { open, section, close, list, more, notice }, onUndone) {
    this.api = api;
    this.openButton = open;
    this.section = section;
    this.list = list;
    this.more = more;
    this.noticeNode = notice;
    this.onUndone = onUndone;
    this.before = null;
    open.onclick = () => (section.hidden ? this.show() : this.hide());
    close.onclick = () => this.hide();
    more.onclick = () => this.load(this.before).catch((error) => this.notice(error.message));
  }

  notice(text) {
    showNotice(this.noticeNode, text);
  }

  async show() {
    this.section.hidden = false;
    this.openButton.setAttribute("aria-expanded", "true");
    this.notice("");
    await this.load(null).catch((error) => this.notice(error.message));
    this.section.querySelector("h3")?.focus();
  }

  hide() {
    this.section.hidden = true;
    this.openButton.setAttribute("aria-expanded", "false");
    this.openButton.focus();
  }

  // Fresh from the newest when `before` is null, else the next older page added below.
  async load(before) {
    const query = new URLSearchParams({ limit: PAGE });
    if (before !== null) query.set("before", before);
    const page = await this.api.json(`/activity?${query}`);
    const items = page.activity.map((entry) => this.item(entry));
    if (before === null) this.list.replaceChildren(...items);
    else this.list.append(...items);
    this.before = page.next_before;
    this.more.hidden = page.next_before === null;
    if (before === null && !items.length) {
      this.list.replaceChildren(el("li", { className: "hint", text: "No changes yet." }));
    }
  }

  refreshIfOpen() {
    if (!this.section.hidden) this.load(null).catch(() => {});
  }

  item(entry) {
    const task = entry.after ?? entry.before ?? {};
    const what = `${DID[entry.action] ?? entry.action} #${entry.task_id} “${task.title ?? ""}”`;
    const li = el("li", { className: "change", attrs: { "data-entry": entry.id } },
      el("span", { className: "change-what", text: what }),
      el("span", { className: "hint", text: ` ${BY[entry.source] ?? entry.source}, `
        + `${showDate(entry.at)}` }));
    if (entry.undone_by !== null) {
      li.append(el("span", { className: "hint", text: " (undone)" }));
    } else {
      const button = el("button", { className: "quiet small", text: "Undo",
        attrs: { type: "button", "aria-label": `Undo: ${what}` } });
      button.addEventListener("click", () => this.undo(entry, button));
      li.append(" ", button);
    }
    return li;
  }

  async undo(entry, button) {
    button.disabled = true;
    try {
      await this.api.json(`/activity/${entry.id}/undo`, { method: "POST" });
      this.notice("");
      this.onUndone?.();
      await this.load(null);
    } catch (error) {
      this.notice(error.message);
      button.disabled = false;
    }
  }
}
