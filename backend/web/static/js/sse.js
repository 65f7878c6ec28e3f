// Server-Sent Events read from a fetch() response (EventSource can neither POST nor send an
// Authorization header). Yields {id, name, data} with `data` parsed as JSON. `id` is the
// event's own `id:` line, or null: an event without one (an `error` the server sends while
// shutting down) is not the previous event again, and must not be skipped as seen.
export async function* readEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let id = null;
  let name = "message";
  let data = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      // A "\r" at the very end may be half of a "\r\n" still in flight: keep it for later.
      const lines = buffer.split(/\r\n|\n|\r(?!$)/);
      buffer = lines.pop();
      for (const line of lines) {
        if (line === "") {
          if (data.length) yield { id, name, data: JSON.parse(data.join("\n")) };
          id = null;
          name = "message";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue; // a comment (`: ping`)
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? "" : line.slice(colon + 1);
        if (text.startsWith(" ")) text = text.slice(1);
        if (field === "id") id = text;
        else if (field === "event") name = text;
        else if (field === "data") data.push(text);
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
