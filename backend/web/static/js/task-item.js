// How one task looks in the panel (title, priority, tags, due date, recurrence) and its
// inline editor. Text only: tags and titles are never parsed as HTML.
import { el } from "./dom.js";
import { fromLocalInput, showDate, toLocalInput } from "./time.js";

const PRIORITIES = ["", "high", "medium", "low"];
const RECURRENCES = ["", "daily", "weekdays", "weekly", "monthly"];

export function isOverdue(task) {
  return !task.completed && task.due_at !== null && new Date(task.due_at) < new Date();
}

// The line under the title; empty when the task has none of the richer fields.
export function details(task) {
  const parts = [];
  if (task.priority) {
    parts.push(el("span", { className: `badge ${task.priority}`, text: task.priority }));
  }
  for (const tag of task.tags) parts.push(el("span", { className: "tag", text: `#${tag}` }));
  if (task.due_at) {
    const overdue = isOverdue(task);
    parts.push(el("span", { className: overdue ? "due overdue" : "due",
      text: `${overdue ? "Overdue: " : "Due "}${showDate(task.due_at)}` }));
  }
  if (task.recurrence) parts.push(el("span", { className: "due", text: `repeats ${task.recurrence}` }));
  if (task.remind_at) parts.push(el("span", { className: "due", text: `reminder ${showDate(task.remind_at)}` }));
  return parts.length ? el("span", { className: "details" }, ...parts) : null;
}

function select(values, current, none) {
  const node = el("select", {},
    ...values.map((value) => el("option", { text: value || none, attrs: { value } })));
  node.value = current ?? "";
  return node;
}

function field(task, label, input, className = "field") {
  input.id = `task-${task.id}-${label.toLowerCase()}`;
  return el("div", { className }, el("label", { text: label, attrs: { for: input.id } }),
    input);
}

// The editor's form and a reader of the change it describes (a PATCH body).
export function editor(task) {
  const title = el("input", { attrs: { "aria-label": `Title of task ${task.id}`, maxlength: "200",
    required: "" } });
  title.value = task.title;
  const priority = select(PRIORITIES, task.priority, "none");
  const tags = el("input", { attrs: { placeholder: "work, home" } });
  tags.value = task.tags.join(", ");
  const due = el("input", { attrs: { type: "datetime-local" } });
  due.value = toLocalInput(task.due_at);
  const recurrence = select(RECURRENCES, task.recurrence, "never");
  const remind = el("input", { attrs: { type: "datetime-local" } });
  remind.value = toLocalInput(task.remind_at);
  // What the server refused, said in the editor by its fields: on a phone the panel's own
  // notice can be a screen away, above the list.
  const refused = el("p", { className: "notice", attrs: { role: "alert", hidden: "" } });
  const form = el("form", { className: "edit" }, title,
    el("div", { className: "edit-fields" }, field(task, "Priority", priority),
      field(task, "Tags", tags), field(task, "Due", due, "field wide"), field(task, "Repeats", recurrence),
      field(task, "Reminder", remind, "field wide")),
    refused,
    el("div", { className: "edit-actions" },
      el("button", { text: "Save", attrs: { type: "submit" } }),
      el("button", { className: "quiet", text: "Cancel", attrs: { type: "button",
        "data-role": "cancel" } })));
  const change = () => ({
    title: title.value,
    priority: priority.value || null,
    tags: tags.value.split(",").map((tag) => tag.trim()).filter(Boolean),
    due_at: fromLocalInput(due.value),
    recurrence: recurrence.value || null,
    remind_at: fromLocalInput(remind.value),
  });
  return { form, title, change, refused };
}
