// When a message was written: a short time on the message, the full date on hover (title),
// and the whole sentence for a screen reader, in the person's locale and zone.
import { el } from "./dom.js";

export function sentAt(iso) {
  const moment = iso ? new Date(iso) : new Date();
  const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" })
    .format(moment);
  const short = new Intl.DateTimeFormat(undefined, { timeStyle: "short" }).format(moment);
  return el("time", { className: "sent-at", attrs: { datetime: moment.toISOString(), title: full } },
    el("span", { text: short, attrs: { "aria-hidden": "true" } }),
    el("span", { className: "visually-hidden", text: `Sent ${full}` }));
}
