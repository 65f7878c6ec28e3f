// The live feed: every change to the user's tasks and conversations, wherever it was made.
// It replays nothing, so each (re)connection first reloads state over REST. A server without
// the feed (404) is polled instead.
import { backoff } from "./dom.js";
import { readEvents } from "./sse.js";

const POLL_MS = 5000;
const FEED_EVENTS = new Set(["task", "conversation", "reminder"]);

export class Feed {
  constructor(api, handlers, connection) {
    this.api = api;
    this.connection = connection;
    this.handlers = handlers; // reload(), task(data), conversation(data), reminder(data)
    this.controller = new AbortController();
  }

  stop() {
    this.controller.abort();
  }

  async run() {
    const { signal } = this.controller;
    for (let attempt = 0; !signal.aborted; attempt += 1) {
      let response = null;
      try {
        response = await this.api.fetch("/events",
          { headers: { Accept: "text/event-stream" }, signal });
      } catch (error) {
        if (error.status === 401) return;
        if (!error.status && !signal.aborted) this.connection.lost();
      }
      if (response?.status === 404) return this.poll(signal);
      if (response?.ok) {
        attempt = 0;
        this.connection.back();
        await this.handlers.reload().catch(() => {});
        await this.read(response, signal);
      }
      if (!signal.aborted) await backoff(attempt);
    }
  }

  async read(response, signal) {
    try {
      for await (const event of readEvents(response)) {
        if (FEED_EVENTS.has(event.name)) this.handlers[event.name](event.data);
      }
    } catch {
      if (signal.aborted) return;
    }
  }

  async poll(signal) {
    while (!signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (!signal.aborted && document.visibilityState === "visible") {
        await this.handlers.reload().catch(() => {});
      }
    }
  }
}
