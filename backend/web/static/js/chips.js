// What a tool call did, in words: "Added task 3 · Buy milk", "Listed 4 tasks". The chip
// still opens to the arguments and the result. A due date is written as the task panel writes
// it (time.js: the person's locale and zone), never as the tool's ISO text.
import { showDate } from "./time.js";

const DONE = { created: "Added", completed: "Completed", deleted: "Deleted", updated: "Changed" };

export function toolWords(name, output, isError) {
  if (isError) return `${name.replaceAll("_", " ")} failed`;
  if (output && typeof output === "object") {
    if (DONE[output.status] && output.task_id !== undefined) {
      const due = output.due_at ? ` · due ${showDate(output.due_at)}` : "";
      return `${DONE[output.status]} task ${output.task_id} · ${output.title}${due}`;
    }
    if (Array.isArray(output.tasks)) {
      const count = output.count ?? output.tasks.length;
      return `Listed ${count} task${count === 1 ? "" : "s"}`;
    }
  }
  return null;
}
