// The task panel: status, priority and tag filters and a sort, all asked of the server
// (GET /tasks); add, toggle done, edit every field, delete. A live-feed event updates the
// list at once, then the server's order is fetched again.
import { el, showNotice } from "./dom.js";
import { details, editor } from "./task-item.js";
import { timeZone } from "./time.js";
import { UndoToast } from "./undo.js";

const PAGE = 200;
const STATUS = { pending: (t) => !t.completed, completed: (t) => t.completed, all: () => true };

export class TaskPanel {
  constructor(api, { list, empty, notice, filters, priority, tag, sort, form, input, undo }) {
    this.api = api;
    this.toast = new UndoToast(undo);
    this.listNode = list;
    this.empty = empty;
    this.noticeNode = notice;
    this.filters = filters;
    this.controls = { priority, tag, sort };
    this.tasks = new Map();
    this.filter = "pending";
    this.editing = null;
    this.reloading = null;
    this.generation = 0; // a load that a later change overtook is dropped
    // Properties, not listeners: a new sign-in builds a new panel on the same elements.
    for (const button of filters) {
      button.onclick = () => this.setFilter(button.dataset.filter);
    }
    for (const control of Object.values(this.controls)) {
      control.onchange = () => this.load().catch((error) => this.notice(error.message));
    }
    form.onsubmit = (event) => {
      event.preventDefault();
      this.add(input);
    };
  }

  notice(text) {
    showNotice(this.noticeNode, text);
  }

  query() {
    const { priority, tag, sort } = this.controls;
    const query = new URLSearchParams({ status: this.filter, sort: sort.value, limit: PAGE });
    if (priority.value) query.set("priority", priority.value);
    if (tag.value) query.set("tag", tag.value);
    return query;
  }

  async load() {
    const generation = ++this.generation;
    const tasks = new Map();
    const query = this.query();
    for (let offset = 0; ; offset += PAGE) {
      query.set("offset", offset);
      const body = await this.api.json(`/tasks?${query}`);
      for (const task of body.tasks) tasks.set(task.id, task);
      if (body.tasks.length < PAGE || tasks.size >= body.total) break;
    }
    if (generation !== this.generation) return;
    this.tasks = tasks;
    this.render();
    await this.loadTags();
  }

  async loadTags() {
    const { tags } = await this.api.json("/tags");
    const select = this.controls.tag;
    const chosen = select.value;
    select.replaceChildren(el("option", { text: "any tag", attrs: { value: "" } }),
      ...tags.map(({ name, count }) => el("option", { text: `${name} (${count})`, attrs: { value: name } })));
    select.value = tags.some((tag) => tag.name === chosen) ? chosen : "";
  }

  // A change from the live feed, or from our own calls.
  apply(action, task) {
    this.generation += 1;
    if (action === "deleted") this.tasks.delete(task.id);
    else this.tasks.set(task.id, task);
    this.render();
    this.reloadSoon();
  }

  // Many changes at once (a chat turn, a bulk request) are one reload.
  reloadSoon() {
    clearTimeout(this.reloading);
    this.reloading = setTimeout(() => this.load().catch(() => {}), 300);
  }

  setFilter(filter) {
    this.filter = filter;
    for (const button of this.filters) {
      button.setAttribute("aria-pressed", String(button.dataset.filter === filter));
    }
    this.render();
    this.load().catch((error) => this.notice(error.message));
  }

  // What the server would list, until it says so itself: changed tasks keep their place.
  visible() {
    const { priority, tag } = this.controls;
    return [...this.tasks.values()].filter((t) => STATUS[this.filter](t)
      && (!priority.value || t.priority === priority.value)
      && (!tag.value || t.tags.includes(tag.value)));
  }

  render() {
    const active = document.activeElement;
    const focus = active?.dataset?.task ? [active.dataset.task, active.dataset.role] : null;
    const shown = this.visible();
    const editingItem = this.listNode.querySelector("li.editing");
    // The open editor is kept as it is; moving it in the list blurs whatever field the person
    // is in, so that field gets its focus (and caret) back.
    const inEditor = editingItem?.contains(active) ? active : null;
    const caret = inEditor && "selectionStart" in inEditor
      ? [inEditor.selectionStart, inEditor.selectionEnd] : null;
    this.listNode.replaceChildren(...shown.map((task) =>
      task.id === this.editing && editingItem ? editingItem : this.item(task)));
    this.empty.hidden = shown.length > 0;
    if (inEditor?.isConnected) {
      inEditor.focus();
      if (caret && caret[0] !== null) inEditor.setSelectionRange(...caret);
    } else if (focus) {
      this.listNode.querySelector(`[data-task="${focus[0]}"][data-role="${focus[1]}"]`)?.focus();
    }
  }

  item(task) {
    const id = `task-${task.id}`;
    const box = el("input", { attrs: { type: "checkbox", id, "data-task": task.id,
      "data-role": "done" } });
    box.checked = task.completed;
    box.addEventListener("change", () => this.update(task.id, { completed: box.checked }));
    const label = el("label", { attrs: { for: id } }, el("span", { className: "task-id",
      text: `#${task.id}` }), " ", el("span", { className: "task-title", text: task.title }));
    const extra = details(task);
    if (extra) label.append(extra);
    const edit = this.button("Edit", task, () => this.startEdit(task));
    const remove = this.button("Delete", task, () => this.remove(task));
    return el("li", { className: `task${task.completed ? " done" : ""}`,
      attrs: { "data-id": task.id } }, box, label, el("span", { className: "actions" }, edit, remove));
  }

  button(label, task, onClick) {
    const button = el("button", { className: "quiet small", text: label, attrs: { type: "button",
      "aria-label": `${label} task ${task.id} “${task.title}”`, "data-task": task.id,
      "data-role": label.toLowerCase() } });
    button.addEventListener("click", onClick);
    return button;
  }

  startEdit(task) {
    this.editing = null;
    this.render();
    const li = this.listNode.querySelector(`li[data-id="${task.id}"]`);
    const { form, title, change, refused } = editor(task);
    const stop = () => {
      this.editing = null;
      this.render();
      this.listNode.querySelector(`[data-task="${task.id}"][data-role="edit"]`)?.focus();
    };
    form.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      stop();
    });
    form.querySelector("[data-role=cancel]").addEventListener("click", stop);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await this.update(task.id, change(), refused)) stop();
    });
    li.classList.add("editing");
    li.replaceChildren(form);
    this.editing = task.id;
    title.focus();
  }

  async add(input) {
    try {
      const task = await this.api.json("/tasks",
        { method: "POST", body: { title: input.value, timezone: timeZone } });
      input.value = "";
      this.notice("");
      if (this.filter === "completed") this.setFilter("pending");
      this.apply("created", task);
    } catch (error) {
      this.notice(error.message);
    }
  }

  async update(id, change, notice = this.noticeNode) {
    try {
      const task = await this.api.json(`/tasks/${id}`,
        { method: "PATCH", body: { ...change, timezone: timeZone } });
      this.apply("updated", task);
      this.notice("");
      return true;
    } catch (error) {
      showNotice(error.status === 404 ? this.noticeNode : notice, error.message);
      if (error.status === 404) this.apply("deleted", { id });
      else this.render(); // put a checkbox back the way the server has it
      return false;
    }
  }

  // At once, no dialog: for a few seconds the delete can be taken back.
  async remove(task) {
    try {
      await this.api.json(`/tasks/${task.id}`, { method: "DELETE" });
      this.notice("");
    } catch (error) {
      if (error.status !== 404) {
        this.notice(error.message);
        return;
      }
      this.apply("deleted", { id: task.id });
      return;
    }
    this.apply("deleted", { id: task.id });
    const label = `Undo deleting task ${task.id} “${task.title}”`;
    this.toast.show(`Deleted #${task.id} “${task.title}”.`, label, () => this.restore(task.id))
      .focus();
  }

  async restore(id) {
    const { activity } = await this.api.json(`/activity?task_id=${id}&limit=1`);
    const deleted = activity.find((entry) => entry.action === "deleted");
    if (!deleted) throw new Error(`Task ${id} changed since; see “What changed”.`);
    const { undone } = await this.api.json(`/activity/${deleted.id}/undo`, { method: "POST" });
    if (undone[0]?.after) this.apply("created", undone[0].after);
  }
}
