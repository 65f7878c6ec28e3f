// Versions of messages (docs/api.md "Versions"), driven from a ChatView: choose the branch
// through a version, regenerate an answer, send an edited message. Each first asks whether to
// undo what the answers it replaces changed, when they changed tasks that still stand.
import { timeZone } from "./time.js";
import { changedTasks } from "./undo.js";
import { askAboutChanges } from "./versions.js";

const PAGE = 500;

function offline(error) {
  return error?.status ? error.message : "Cannot reach the server; check your connection.";
}

// Show the branch through version `messageId` (docs/api.md "Versions").
export async function choose(view, messageId) {
  const id = view.conversationId;
  if (id === null) return;
  if (view.running) {
    view.notice("Still answering: wait for it, or press Stop.");
    return;
  }
  try {
    const page = await view.api.json(`/conversations/${id}/messages/${messageId}/choose`,
      { method: "POST" });
    if (view.conversationId !== id) return;
    const messages = page.messages.length < PAGE ? page.messages : await view.loadMessages(id);
    view.drawMessages(messages);
    view.notice("");
    view.log.querySelector(`[data-message-id="${messageId}"] .versions button:not(:disabled)`)
      ?.focus();
  } catch (error) {
    view.notice(offline(error));
  }
}

// A new answer to the message answer `messageId` answered; the old one stays a version.
export async function regenerate(view, messageId, article) {
  const id = view.conversationId;
  const messages = await branchOrNotice(view, id);
  if (messages === null) return false;
  const at = messages.findIndex((message) => message.id === messageId);
  const asked = messages.slice(0, at).findLastIndex((message) => message.role === "user");
  if (at < 0 || asked < 0) return redraw(view, messages);
  const undo = await askFirst(view, article, messages.slice(asked + 1), "regenerate");
  if (undo === null) return false;
  const path = `/conversations/${id}/messages/${messageId}/regenerate`;
  const started = await view.start(path, { timezone: timeZone, undo_changes: undo });
  if (started === null) return false;
  view.drawMessages(messages.slice(0, asked + 1));
  await view.answer(started, messages[asked].content);
  await view.refresh();
  return true;
}

// Send the person's message `messageId` again as `text` (a new version of it).
export async function edit(view, messageId, text, article) {
  const id = view.conversationId;
  const messages = await branchOrNotice(view, id);
  if (messages === null) return false;
  const at = messages.findIndex((message) => message.id === messageId);
  if (at < 0) return redraw(view, messages);
  const undo = await askFirst(view, article, messages.slice(at), "send");
  if (undo === null) return false;
  const path = `/conversations/${id}/messages/${messageId}/edit`;
  const started = await view.start(path, { message: text, timezone: timeZone, undo_changes: undo });
  if (started === null) return false;
  view.drawMessages(messages.slice(0, at));
  view.appendOwn(text);
  await view.answer(started, text);
  await view.refresh();
  return true;
}

// The conversation as stored now (versions act on it), or null with a notice.
async function branchOrNotice(view, id) {
  if (id === null) return null;
  if (view.running) {
    view.notice("Still answering: wait for it, or press Stop.");
    return null;
  }
  try {
    return await view.loadMessages(id);
  } catch (error) {
    view.notice(offline(error));
    return null;
  }
}

function redraw(view, messages) {
  view.drawMessages(messages);
  view.notice("That message changed meanwhile; here is the conversation as it is now.");
  return false;
}

// Whether to undo what the replaced answers changed: false when they changed nothing that
// still stands, else the person's choice (null: they cancelled).
async function askFirst(view, where, replaced, verb) {
  const answers = replaced.filter((m) => m.role === "assistant" && changedTasks(m.tool_calls));
  if (!answers.length) return false;
  const ids = new Set(answers.map((answer) => answer.id));
  let standing;
  try {
    const page = await view.api.json(`/activity?conversation_id=${view.conversationId}&limit=200`);
    standing = page.activity.filter((e) => ids.has(e.message_id) && e.undone_by === null);
  } catch (error) {
    view.notice(offline(error));
    return null;
  }
  if (!standing.length) return false;
  const choice = await askAboutChanges(where, standing.reverse(), answers.length, verb);
  return choice === null ? null : choice === "undo";
}
