// The person's time zone, sent with chat and task writes so "tomorrow" means their tomorrow,
// and dates shown in it.
export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

const readable = new Intl.DateTimeFormat(undefined, {
  weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit",
});

export function showDate(iso) {
  return readable.format(new Date(iso));
}

// An RFC 3339 instant as a datetime-local input value (local wall time), and back.
export function toLocalInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

export function fromLocalInput(value) {
  return value ? new Date(value).toISOString() : null;
}
