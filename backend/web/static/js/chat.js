// One conversation on screen: its stored messages, the answer being written (from the POST
// that sent the message, or attached to a run already going), Stop, and resuming a dropped
// stream with Last-Event-ID without ever showing an event twice.
import { errorOf } from "./api.js";
import { backoff, showNotice } from "./dom.js";
import { AnswerView, approvalQuestion, storedAnswer, userMessage } from "./messages.js";
import { readEvents } from "./sse.js";
import { timeZone } from "./time.js";
import { answerUndo, changedTasks } from "./undo.js";
import { UsageLine } from "./usage.js";
import { addEdit, addRegenerate, addVersionNav, describeChanges } from "./versions.js";
import { choose, edit, regenerate } from "./branches.js";

const SSE_HEADERS = { Accept: "text/event-stream" };
const MAX_REATTACH = 8;
const PAGE = 500;

export class ChatView {
  constructor(api, { log, announcer, notice, stop, usage }, hooks, connection) {
    this.api = api;
    this.connection = connection;
    this.busyNotice = false; // the notice says an answer is still going
    this.offlineNotice = false; // the notice says a message was not sent for want of a server
    connection.onBack(() => {
      if (this.offlineNotice) this.notice(""); // no longer true
    });
    this.usage = new UsageLine(usage);
    this.log = log;
    this.announcer = announcer;
    this.noticeNode = notice;
    this.stopButton = stop;
    this.hooks = hooks; // onConversation(id), onRunning(id, running), onAnswered(toolCalls)
    this.conversationId = null;
    this.following = null; // AbortController of the stream being read
    this.lastUserMessageId = null; // of the run last followed: what Retry answers again
    this.sentMessage = null; // the message just sent, until its run says its id
  }

  get running() {
    return this.following !== null;
  }

  notice(text) {
    this.busyNotice = false;
    this.offlineNotice = false;
    showNotice(this.noticeNode, text);
  }

  // Show conversation `id` (null: a new one), then attach to its run if one is going. The
  // conversation on screen opened again (the live feed says it is answering) stays as it is
  // until its messages are loaded: with the server gone they may never be.
  async open(id) {
    this.leave();
    const again = id !== null && id === this.conversationId;
    this.conversationId = id;
    if (!again) {
      this.lastUserMessageId = null;
      this.log.replaceChildren();
      this.notice("");
      this.usage.reset();
    }
    if (id === null) return;
    const messages = await this.loadMessages(id);
    if (this.conversationId !== id) return;
    this.drawMessages(messages);
    await this.drawWaiting(id);
    await this.attach(id, messages);
  }

  // The questions of tool calls still waiting for the person, after the stored messages.
  async drawWaiting(id) {
    try {
      const conversation = await this.api.json(`/conversations/${id}`);
      if (this.conversationId !== id) return;
      for (const asked of conversation.pending_approvals ?? []) this.ask(asked);
    } catch {
      // An older server, or a moment offline: the messages are still right.
    }
  }

  ask(asked, view = null) {
    const question = approvalQuestion(asked, (approve) => this.decide(asked.id, approve));
    (view?.element ?? this.log).append(question);
    this.scroll();
  }

  // Approve or decline one waiting call: the answer resumes in a new answer below.
  async decide(approvalId, approve) {
    const id = this.conversationId;
    if (id === null || this.running) {
      if (this.running) this.notice("Still answering: wait for it, or press Stop.");
      return false;
    }
    this.notice("");
    const controller = this.setFollowing(new AbortController());
    let response;
    try {
      response = await this.api.fetch(`/conversations/${id}/approvals/${encodeURIComponent(approvalId)}`, {
        method: "POST",
        body: { approve },
        headers: SSE_HEADERS,
        signal: controller.signal,
      });
    } catch (error) {
      this.setFollowing(null);
      if (!controller.signal.aborted) this.notice(offline(error));
      return false;
    }
    if (!response.ok) {
      this.setFollowing(null);
      const error = await errorOf(response);
      this.notice(error.code === "already_decided" ? "That was already decided." : error.message);
      return error.code === "already_decided";
    }
    const view = this.newAnswer();
    await this.follow(response, view, controller, null);
    return true;
  }

  leave() {
    this.following?.abort();
    this.setFollowing(null);
  }

  async loadMessages(id) {
    const all = [];
    for (;;) {
      const after = all.at(-1)?.id ?? 0;
      const page = await this.api.json(`/conversations/${id}/messages?limit=${PAGE}&after=${after}`);
      all.push(...page.messages);
      if (page.messages.length < PAGE) return all;
    }
  }

  drawMessages(messages) {
    // A stored failed answer to the last message offers Retry, as it did when it failed.
    const [asked, last] = messages.slice(-2);
    const retryable = asked?.role === "user" && last?.status === "failed";
    if (retryable) this.lastUserMessageId = asked.id;
    const retry = (view) => this.retry(asked.content, view);
    this.log.replaceChildren(...messages.map((message) => {
      if (message.role === "user") return this.ownMessage(message);
      const answer = storedAnswer(message, retryable && message === last ? retry : null);
      this.offerUndo(answer, message.id, message.tool_calls);
      addVersionNav(answer, message, (target) => choose(this, target));
      if (message === last && !["failed", "awaiting_approval"].includes(message.status)) {
        addRegenerate(answer, () => regenerate(this, message.id, answer));
      }
      return answer;
    }));
    this.usage.reset();
    for (const message of messages) this.usage.add(message.usage);
    this.scroll();
  }

  // The person's message: Edit (a new version, sent again) and its versions.
  ownMessage(message, article = userMessage(message.content, message.created_at)) {
    article.dataset.messageId = message.id;
    addVersionNav(article, message, (target) => choose(this, target));
    addEdit(article, message.content, (text) => edit(this, message.id, text, article));
    return article;
  }

  // An answer that changed tasks gets an Undo for all it changed.
  offerUndo(element, messageId, toolCalls) {
    if (!changedTasks(toolCalls) || this.conversationId === null) return;
    element.append(answerUndo(this.api, this.conversationId, messageId, this.hooks.onUndone));
  }

  async send(text) {
    const body = { message: text, conversation_id: this.conversationId, timezone: timeZone };
    const started = await this.start("/chat", body);
    if (started === null) return false;
    this.appendOwn(text);
    await this.answer(started, text);
    return true;
  }

  // The person's message just sent: it gets Edit once the server says its id.
  appendOwn(text) {
    this.sentMessage = { article: userMessage(text), text };
    this.log.append(this.sentMessage.article);
  }

  // Answer the person's last message again in place of the failed answer (`failed`): the
  // server replaces what followed the message and does not store it twice.
  async retry(text, failed) {
    const id = this.conversationId;
    const messageId = this.lastUserMessageId;
    if (id === null || messageId === null) return this.send(text);
    const path = `/conversations/${id}/messages/${messageId}/retry`;
    const started = await this.start(path, { timezone: timeZone });
    if (started === null) return false;
    failed.element.remove();
    await this.answer(started, text);
    return true;
  }

  // POST a message (or a retry) for a stream; null (with a notice) when it did not start.
  async start(path, body) {
    if (!this.connection.online) {
      this.notice("Not sent: the server cannot be reached right now. Send it again once the"
        + " connection is back.");
      this.offlineNotice = true;
      return null;
    }
    if (this.running) {
      this.notice("Still answering your previous message: wait for it, or press Stop.");
      this.busyNotice = true;
      return null;
    }
    this.notice("");
    const controller = this.setFollowing(new AbortController());
    let response;
    try {
      response = await this.api.fetch(path, {
        method: "POST", body, headers: SSE_HEADERS, signal: controller.signal,
      });
    } catch (error) {
      this.setFollowing(null);
      if (!controller.signal.aborted) this.notice(offline(error));
      if (!error.status) {
        this.offlineNotice = true;
        this.connection.lost();
      }
      return null;
    }
    if (!response.ok) {
      this.setFollowing(null);
      const error = await errorOf(response);
      this.notice(error.code === "conversation_busy"
        ? "This conversation is still answering a previous message: wait for it, or press Stop."
        : error.message);
      return null;
    }
    return { response, controller };
  }

  async answer({ response, controller }, text) {
    const view = this.newAnswer();
    await this.follow(response, view, controller, () => this.retry(text, view));
  }

  // Attach to the conversation's running run, drawn from its first event; nothing (204, or a
  // server without runs) leaves the stored messages as they are.
  async attach(id, messages) {
    const controller = this.setFollowing(new AbortController());
    let response;
    try {
      response = await this.api.fetch(`/conversations/${id}/stream`,
        { headers: SSE_HEADERS, signal: controller.signal });
    } catch {
      this.setFollowing(null);
      return;
    }
    if (response.status !== 200) {
      this.setFollowing(null);
      return;
    }
    const newest = messages.at(-1)?.id ?? 0;
    let view = null;
    const viewFor = (event) => {
      // A run whose answer is already among the stored messages ended while they loaded.
      if (event.name === "conversation" && newest > event.data.user_message_id) return null;
      view ??= this.newAnswer();
      return view;
    };
    await this.follow(response, viewFor, controller, null);
  }

  async stop() {
    const id = this.conversationId;
    if (id === null) return;
    try {
      const response = await this.api.fetch(`/conversations/${id}/stop`, { method: "POST" });
      if (response.status === 404) this.notice("This server cannot stop an answer.");
    } catch (error) {
      this.notice(offline(error));
    }
  }

  newAnswer() {
    const view = new AnswerView(this.announcer);
    this.log.append(view.element);
    this.scroll();
    return view;
  }

  // Read a run's events into `target` (a view, or a function choosing one per event) until
  // `done` or `error`; a dropped stream is re-attached after the last event seen.
  async follow(response, target, controller, retry) {
    const state = { seen: new Set(), lastId: null, view: null };
    const viewOf = typeof target === "function" ? target : () => target;
    for (let attempt = 0; ; attempt += 1) {
      try {
        for await (const event of readEvents(response)) {
          if (event.id !== null && state.seen.has(event.id)) continue;
          if (event.id !== null) {
            state.seen.add(event.id);
            state.lastId = event.id;
          }
          state.view = viewOf(event);
          if (state.view === null) return this.done(controller);
          if (this.apply(event, state.view, retry)) {
            this.done(controller);
            // The server that was answering died: what it kept is in the stored messages
            // (the text drawn so far may be more than was saved), so show those.
            if (event.name === "error" && event.data.code === "run_lost") await this.refresh();
            if (event.name === "done" && state.view.skipped) await this.refresh();
            return;
          }
          attempt = 0;
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      if (controller.signal.aborted) return;
      response = attempt < MAX_REATTACH ? await this.reattach(state.lastId, controller, attempt) : null;
      if (response === null) {
        this.done(controller);
        if (!controller.signal.aborted) await this.refresh(state.view, retry);
        return;
      }
    }
  }

  async reattach(lastId, controller, attempt) {
    await backoff(attempt);
    const id = this.conversationId;
    if (id === null || controller.signal.aborted) return null;
    try {
      const headers = lastId === null ? SSE_HEADERS : { ...SSE_HEADERS, "Last-Event-ID": lastId };
      const response = await this.api.fetch(`/conversations/${id}/stream`,
        { headers, signal: controller.signal });
      this.connection.back();
      return response.status === 200 ? response : null;
    } catch (error) {
      if (!error.status && !controller.signal.aborted) this.connection.lost();
      return error.status === 401 || controller.signal.aborted
        ? null
        : this.reattach(lastId, controller, attempt + 1);
    }
  }

  // Draw one event; true when it ends the run.
  apply(event, view, retry) {
    const { name, data } = event;
    if (name === "conversation") {
      this.lastUserMessageId = data.user_message_id;
      const sent = this.sentMessage;
      this.sentMessage = null;
      if (sent) {
        this.ownMessage({ id: data.user_message_id, content: sent.text }, sent.article);
      }
      if (data.kept_changes?.length) {
        this.notice(`These changes stay: ${describeChanges(data.kept_changes)}.`);
      } else if (data.undone?.length) {
        this.notice("The earlier answer's changes were undone.");
        this.hooks.onUndone?.();
      }
      if (this.conversationId === null) {
        this.conversationId = data.conversation_id;
        this.hooks.onConversation(data.conversation_id);
      }
      this.hooks.onRunning(this.conversationId, true);
    } else if (name === "delta") {
      const log = this.log;
      // Follow the answer down, unless the person scrolled up to read something.
      const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
      view.append(data.text);
      if (atBottom) this.scroll();
    } else if (name === "tool_call") {
      view.toolCall(data);
    } else if (name === "tool_result") {
      view.toolResult(data);
    } else if (name === "approval") {
      view.waiting(data.id);
      this.ask(data, view);
    } else if (name === "done") {
      view.finish(data.status);
      view.element.dataset.messageId = data.message_id;
      this.offerUndo(view.element, data.message_id, data.tool_calls);
      this.log.querySelectorAll(".regenerate").forEach((node) => node.remove());
      if (data.status !== "awaiting_approval") {
        addRegenerate(view.element, () => regenerate(this, data.message_id, view.element));
      }
      this.usage.add(data.usage);
      this.hooks.onAnswered(data.tool_calls);
      return true;
    } else if (name === "error") {
      view.fail(data.detail, retry);
      return true;
    } else if (name === "notice" && data.code === "events_skipped") {
      // The run's log no longer holds its start: say so, and draw the stored answer at the end.
      view.skipped = true;
      view.notice("The start of this answer can't be shown here; all of it appears when it ends.");
    }
    return false;
  }

  done(controller) {
    if (this.following === controller) this.setFollowing(null);
    if (this.busyNotice) this.notice(""); // "Still answering…" is no longer true
  }

  // After a stream was lost for good: the stored conversation is the truth. While its answer
  // is not stored yet (a server stopping stores it last), the answer drawn so far (`view`)
  // stays, saying it was cut off, with Retry.
  async refresh(view = null, retry = null) {
    const id = this.conversationId;
    if (id === null) return;
    try {
      const messages = await this.loadMessages(id);
      if (this.conversationId !== id || this.running) return;
      if (view !== null && messages.at(-1)?.role !== "assistant") {
        view.fail("The connection to the server was lost before this answer finished.", retry);
        return;
      }
      this.drawMessages(messages);
    } catch (error) {
      this.notice(offline(error));
    }
  }

  setFollowing(controller) {
    const wasRunning = this.running;
    this.following = controller;
    this.stopButton.hidden = controller === null;
    if (wasRunning && controller === null && this.conversationId !== null) {
      this.hooks.onRunning(this.conversationId, false);
    }
    return controller;
  }

  scroll() {
    this.log.scrollTop = this.log.scrollHeight;
  }
}

function offline(error) {
  return error?.status ? error.message : "Cannot reach the server; check your connection.";
}
