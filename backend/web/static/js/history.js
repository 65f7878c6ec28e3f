// All the history: conversations fetched page by page as the list scrolls, optionally
// searched (`?q=`), and grouped by how long ago they changed, in the person's own calendar.
export const PAGE_SIZE = 50;

// The group a moment belongs to, seen from `now` (both Dates, compared as local dates):
// "Today", "Yesterday", "Previous 7 days", else its month ("November 2026").
export function dateGroup(moment, now) {
  const days = Math.round((startOfDay(now) - startOfDay(moment)) / 86_400_000);
  if (days <= 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days <= 7) return "Previous 7 days";
  return new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" }).format(moment);
}

function startOfDay(moment) {
  // Local midnights: a day across a DST change is 23 or 25 hours, hence the rounding above.
  return new Date(moment.getFullYear(), moment.getMonth(), moment.getDate()).getTime();
}

// Sorted conversations split into [label, conversations] runs, newest first.
export function groupByDate(conversations, now = new Date()) {
  const groups = [];
  for (const conversation of conversations) {
    const label = dateGroup(new Date(conversation.updated_at), now);
    if (groups.at(-1)?.[0] !== label) groups.push([label, []]);
    groups.at(-1)[1].push(conversation);
  }
  return groups;
}

// The pages of one listing (all conversations, or those matching `query`): `next()` fetches
// the following page unless one is on its way or the end was reached.
export class Pages {
  constructor(api, query) {
    this.api = api;
    this.query = query;
    this.fetched = 0;
    this.total = Infinity;
    this.pending = null;
  }

  get done() {
    return this.fetched >= this.total;
  }

  next(size = PAGE_SIZE) {
    if (this.pending || this.done) return this.pending ?? Promise.resolve([]);
    const params = new URLSearchParams({ limit: String(size), offset: String(this.fetched) });
    if (this.query) params.set("q", this.query);
    this.pending = this.api.json(`/conversations?${params}`).then((body) => {
      this.fetched += body.conversations.length;
      this.total = body.conversations.length < size ? this.fetched : body.total;
      return body.conversations;
    }).finally(() => {
      this.pending = null;
    });
    return this.pending;
  }
}
