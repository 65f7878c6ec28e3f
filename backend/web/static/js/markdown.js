// A small, safe Markdown subset for answers: paragraphs, lists, fenced code, headings, quotes,
// tables, **bold**, *italics*, `code` and links. Built with createElement and
// text nodes only, so nothing in the text can become markup; links keep http, https and
// mailto targets only (anything else, `javascript:` included, stays plain text).
import { showDate } from "./time.js";

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*(\d{1,9})[.)]\s+(.*)$/;
const FENCE = /^\s*```/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_RULE = /^\s*\|(\s*:?-+:?\s*\|)+\s*$/;
// One inline token at a time: code, bold, italics, a link. A link's label and target stop
// at the next bracket, so a failed try never scans past where the next one starts: a line
// of unmatched `[` (or `[a](`) costs linear time, not quadratic (16,000 of them took 131 ms).
const INLINE = /`([^`\n]+)`|\*\*(.+?)\*\*|__(.+?)__|\*([^*\s](?:[^*]*[^*\s])?)\*|_([^_\s](?:[^_]*[^_\s])?)_|\[([^[\]\n]+)\]\(([^()[\]\s]+)\)/;

// A wall time written "2026-12-04 23:59" (how the offline model writes dates, on the person's
// clock: the page sent its zone) is shown as the task panel shows dates, in the person's locale.
// A full timestamp ("…23:59:59+01:00") is left as written.
const WALL_TIME = /\b(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?![:\d])/g;

export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  const lines = text.split(/\r?\n/);
  const levels = headingLevels(lines);
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i += 1;
    } else if (FENCE.test(line)) {
      i = codeBlock(fragment, lines, i + 1);
    } else if (BULLET.test(line) || NUMBERED.test(line)) {
      i = list(fragment, lines, i, BULLET.test(line) ? BULLET : NUMBERED);
    } else if (QUOTE.test(line)) {
      i = quote(fragment, lines, i);
    } else if (TABLE_ROW.test(line) && TABLE_RULE.test(lines[i + 1] ?? "")) {
      i = table(fragment, lines, i);
    } else if (HEADING.test(line)) {
      const [, marks, words] = HEADING.exec(line);
      fragment.append(inline(words, `h${levels.get(marks.length)}`));
      i += 1;
    } else {
      i = paragraph(fragment, lines, i);
    }
  }
  return fragment;
}

// An answer sits under the page's h2 (the conversation's title), so its headings start at h3;
// the depths it uses are numbered in order from there (#, ### → h3, h4), never skipping a level
// (a screen reader's list of headings has no gaps), and at most h6. Lines in a fence are code.
function headingLevels(lines) {
  const depths = new Set();
  let fenced = false;
  for (const line of lines) {
    if (FENCE.test(line)) fenced = !fenced;
    const match = fenced ? null : HEADING.exec(line);
    if (match) depths.add(match[1].length);
  }
  const sorted = [...depths].sort((a, b) => a - b);
  return new Map(sorted.map((depth, index) => [depth, Math.min(3 + index, 6)]));
}

// A fenced block under a label naming its language ("python"), or "code" when the fence
// names none; the label is text, and copy.js adds a Copy button beside it.
function codeBlock(parent, lines, start) {
  let end = start;
  while (end < lines.length && !FENCE.test(lines[end])) end += 1;
  const language = lines[start - 1].replace(FENCE, "").trim().split(/\s/)[0].slice(0, 30);
  const head = element("div", "code-head");
  const label = element("span", "code-language");
  label.textContent = language || "code";
  head.append(label);
  const pre = element("pre");
  const code = element("code");
  code.textContent = lines.slice(start, end).join("\n");
  pre.append(code);
  const block = element("div", "code-block");
  block.append(head, pre);
  parent.append(block);
  return end + 1;
}

function list(parent, lines, start, marker) {
  const list = element(marker === BULLET ? "ul" : "ol");
  let i = start;
  while (i < lines.length && marker.test(lines[i])) {
    const item = element("li");
    const parts = marker.exec(lines[i]);
    // Numbers are kept as written: in a todo list "3." is task 3, not the third item.
    if (marker === NUMBERED) item.value = Number(parts[1]);
    item.append(inline(parts.at(-1)));
    list.append(item);
    i += 1;
  }
  parent.append(list);
  return i;
}

// A block quote: its lines as one paragraph (not nested Markdown: one pass over the text).
function quote(parent, lines, start) {
  const p = element("p");
  let i = start;
  while (i < lines.length && QUOTE.test(lines[i])) {
    if (i > start) p.append(element("br"));
    p.append(inline(QUOTE.exec(lines[i])[1]));
    i += 1;
  }
  const block = element("blockquote");
  block.append(p);
  parent.append(block);
  return i;
}

// A pipe table: a header row, a rule (|---|), then body rows while lines look like rows.
function table(parent, lines, start) {
  const cells = (line) => line.trim().slice(1, -1).split("|");
  const row = (line, tag) => {
    const tr = element("tr");
    for (const cell of cells(line)) tr.append(inline(cell.trim(), tag));
    return tr;
  };
  const head = element("thead");
  head.append(row(lines[start], "th"));
  const body = element("tbody");
  let i = start + 2;
  while (i < lines.length && TABLE_ROW.test(lines[i])) {
    body.append(row(lines[i], "td"));
    i += 1;
  }
  const node = element("table");
  node.append(head, body);
  parent.append(node);
  return i;
}

function paragraph(parent, lines, start) {
  const p = element("p");
  let i = start;
  const isBlockStart = (line) =>
    !line.trim() || FENCE.test(line) || BULLET.test(line) || NUMBERED.test(line) ||
    HEADING.test(line) || QUOTE.test(line);
  while (i < lines.length && (i === start || !isBlockStart(lines[i]))) {
    if (i > start) p.append(element("br"));
    p.append(inline(lines[i]));
    i += 1;
  }
  parent.append(p);
  return i;
}

// Inline markup of one line, as a fragment (wrapped in `wrapper` when given).
function inline(text, wrapper) {
  const out = wrapper ? element(wrapper) : document.createDocumentFragment();
  let rest = text;
  for (let match = INLINE.exec(rest); match; match = INLINE.exec(rest)) {
    if (match.index > 0) appendText(out, rest.slice(0, match.index));
    out.append(token(match));
    rest = rest.slice(match.index + match[0].length);
  }
  if (rest) appendText(out, rest);
  return out;
}

function appendText(out, text) {
  let shown = 0;
  for (const match of text.matchAll(WALL_TIME)) {
    const local = `${match[1]}T${match[2]}`;
    if (Number.isNaN(new Date(local).getTime())) continue;
    if (match.index > shown) out.append(text.slice(shown, match.index));
    const time = withText("time", showDate(local));
    time.dateTime = local;
    time.title = match[0];
    out.append(time);
    shown = match.index + match[0].length;
  }
  if (shown < text.length) out.append(text.slice(shown));
}

function token(match) {
  const [whole, code, bold, bold2, italic, italic2, label, href] = match;
  if (code !== undefined) return withText("code", code);
  if (bold !== undefined || bold2 !== undefined) return inline(bold ?? bold2, "strong");
  if (italic !== undefined || italic2 !== undefined) return inline(italic ?? italic2, "em");
  const url = safeUrl(href);
  if (url === null) return whole;
  const a = element("a");
  a.href = url;
  a.rel = "noopener noreferrer nofollow";
  a.target = "_blank";
  a.append(inline(label));
  return a;
}

export function safeUrl(href) {
  try {
    const url = new URL(href);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null; // relative or malformed
  }
}

function element(name, className) {
  const node = document.createElement(name);
  if (className) node.className = className;
  return node;
}

function withText(name, text) {
  const node = element(name);
  node.textContent = text;
  return node;
}
