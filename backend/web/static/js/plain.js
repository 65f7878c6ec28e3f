// Words a person understands: the API's 422 issues and sentences written for programs
// ("title: String should have at least 1 character") said as plain sentences, without field
// names, library wording or URLs. REST bodies keep `code` and field paths for programs.
const FIELDS = {
  title: "The title", message: "The message", description: "The description",
  tags: "The tags", due_at: "The due date", remind_at: "The reminder",
  recurrence: "How it repeats", priority: "The priority", timezone: "The time zone",
  q: "The search",
};
const BY_TYPE = {
  recurrence_needs_due_at: () => "A repeating task needs a due date.",
  string_too_short: (field) => `${field} can't be empty.`,
  missing: (field) => `${field} is missing.`,
  string_too_long: (field, most) => `${field} is too long${most ? ` (at most ${most} characters)` : ""}.`,
  // A list, except the message: its length is counted as a person sees characters.
  too_long: (field, most) => field === FIELDS.message
    ? BY_TYPE.string_too_long(field, most)
    : `${field} has too many entries${most ? ` (at most ${most})` : ""}.`,
};

export function plainIssues(issues) {
  const sentences = issues.map((issue) => {
    const name = issue.loc?.at(-1);
    const field = FIELDS[name] ?? "Something you entered";
    const most = /at most ([\d,]+)/.exec(issue.msg ?? "")?.[1];
    const say = BY_TYPE[issue.type];
    return say ? say(field, most) : `${field} isn't valid.`;
  });
  return [...new Set(sentences)].join(" ");
}

// A sentence from the API, with what only a program needs taken out: a request line or URL
// in parentheses ("(POST .../stop)").
export function plainSentence(detail) {
  return detail.replace(/\s*\((?:GET|POST|PUT|PATCH|DELETE)\s[^)]*\)/g, "")
    .replace(/\s*\(?https?:\/\/\S+\)?/g, "").trim();
}
