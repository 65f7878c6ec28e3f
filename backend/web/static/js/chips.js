// What a tool call did, in words: "Added task 3 · Buy milk", "Listed 4 tasks". The chip
// still opens to the arguments and the result.
const DONE = { created: "Added", completed: "Completed", deleted: "Deleted", updated: "Changed" };

export function toolWords(name, output, isError) {
  if (isError) return `${name.replaceAll("_", " ")} failed`;
  if (output && typeof output === "object") {
    if (DONE[output.status] && output.task_id !== undefined) {
      return `${DONE[output.status]} task ${output.task_id} · ${output.title}`;
    }
    if (Array.isArray(output.tasks)) {
      const count = output.count ?? output.tasks.length;
      return `Listed ${count} task${count === 1 ? "" : "s"}`;
    }
  }
  return null;
}
