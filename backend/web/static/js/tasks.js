// The task panel: pending / completed / all, add, toggle done, edit the title, delete. It
// holds every task of the user and redraws from them, so a live-feed event is one update.
import { el, showNotice } from "./dom.js";

const PAGE = 200;

export class TaskPanel {
  constructor(api, { list, empty, notice, filters, form, input }) {
    this.api = api;
    this.listNode = list;
    this.empty = empty;
    this.noticeNode = notice;
    this.filters = filters;
    this.tasks = new Map();
    this.filter = "pending";
    this.editing = null;
    // Properties, not listeners: a new sign-in builds a new panel on the same elements.
    for (const button of filters) {
      button.onclick = () => this.setFilter(button.dataset.filter);
    }
    form.onsubmit = (event) => {
      event.preventDefault();
      this.add(input);
    };
  }

  notice(text) {
    showNotice(this.noticeNode, text);
  }

  async load() {
    const tasks = new Map();
    for (let offset = 0; ; offset += PAGE) {
      const body = await this.api.json(`/tasks?status=all&limit=${PAGE}&offset=${offset}`);
      for (const task of body.tasks) tasks.set(task.id, task);
      if (body.tasks.length < PAGE || tasks.size >= body.total) break;
    }
    this.tasks = tasks;
    this.render();
  }

  // A change from the live feed, or from our own calls.
  apply(action, task) {
    if (action === "deleted") this.tasks.delete(task.id);
    else this.tasks.set(task.id, task);
    this.render();
  }

  setFilter(filter) {
    this.filter = filter;
    for (const button of this.filters) {
      button.setAttribute("aria-pressed", String(button.dataset.filter === filter));
    }
    this.render();
  }

  visible() {
    const wanted = { pending: (t) => !t.completed, completed: (t) => t.completed, all: () => true };
    return [...this.tasks.values()].filter(wanted[this.filter]).sort((a, b) => a.id - b.id);
  }

  render() {
    const active = document.activeElement;
    const focus = active?.dataset?.task ? [active.dataset.task, active.dataset.role] : null;
    const shown = this.visible();
    const editingItem = this.listNode.querySelector("li.editing");
    this.listNode.replaceChildren(...shown.map((task) =>
      task.id === this.editing && editingItem ? editingItem : this.item(task)));
    this.empty.hidden = shown.length > 0;
    if (focus) {
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
    const input = el("input", { attrs: { "aria-label": `Title of task ${task.id}`,
      maxlength: "200", required: "" } });
    input.value = task.title;
    const form = el("form", { className: "edit" }, input,
      el("button", { text: "Save", attrs: { type: "submit" } }));
    const stop = () => {
      this.editing = null;
      this.render();
      this.listNode.querySelector(`[data-task="${task.id}"][data-role="edit"]`)?.focus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") stop();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await this.update(task.id, { title: input.value })) stop();
    });
    li.classList.add("editing");
    li.replaceChildren(form);
    this.editing = task.id;
    input.focus();
  }

  async add(input) {
    try {
      const task = await this.api.json("/tasks", { method: "POST", body: { title: input.value } });
      input.value = "";
      this.notice("");
      if (this.filter === "completed") this.setFilter("pending");
      this.apply("created", task);
    } catch (error) {
      this.notice(error.message);
    }
  }

  async update(id, change) {
    try {
      this.apply("updated", await this.api.json(`/tasks/${id}`, { method: "PATCH", body: change }));
      this.notice("");
      return true;
    } catch (error) {
      this.notice(error.message);
      if (error.status === 404) this.apply("deleted", { id });
      else this.render(); // put a checkbox back the way the server has it
      return false;
    }
  }

  async remove(task) {
    try {
      await this.api.json(`/tasks/${task.id}`, { method: "DELETE" });
      this.notice("");
    } catch (error) {
      if (error.status !== 404) {
        this.notice(error.message);
        return;
      }
    }
    this.apply("deleted", { id: task.id });
  }
}
