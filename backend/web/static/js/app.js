// The chat page: sign-in, then the conversation list, the conversation and the task panel,
// kept current by the live feed.
import { ActivityView } from "./activity.js";
import { Api } from "./api.js";
import {
  devSignInAvailable, devToken, forgetToken, keepToken, onTokenChange, rememberedDevCode,
  storedToken, subjectOf, takeTokenFromHash,
} from "./auth.js";
import { ChatView } from "./chat.js";
import { Connection } from "./connection.js";
import { ConversationList } from "./conversations.js";
import { wireCounter } from "./counter.js";
import { showNotice } from "./dom.js";
import { Feed } from "./feed.js";
import { Reminders } from "./reminders.js";
import { showSuggestions } from "./suggestions.js";
import { TaskPanel } from "./tasks.js";

const $ = (id) => document.getElementById(id);
let session = null; // { feed, chat, token } while signed in

function start() {
  const handed = takeTokenFromHash();
  if (handed && acceptHandedToken(handed, storedToken())) keepToken(handed);
  const token = storedToken();
  if (token && subjectOf(token)) signIn(token);
  else if (token) showSignIn("That token has no user in it.");
  else showSignIn(handed ? "That sign-in link has expired; please sign in again." : "");
  $("dev-form").addEventListener("submit", onDevSignIn);
  $("token-form").addEventListener("submit", onTokenSignIn);
  $("sign-out").addEventListener("click", () => signOut(""));
  onTokenChange(followOtherTab);
}

// One sign-in for every tab of the origin: another tab signed in, switched accounts (after
// its own question, see acceptHandedToken) or signed out, and this tab follows.
function followOtherTab(token) {
  if (token === session?.token) return;
  const user = token && subjectOf(token);
  if (session && user === subjectOf(session.token)) {
    session.api.token = token; // a fresh token for the same person
    session.token = token;
    return;
  }
  leave();
  if (user) signIn(token);
  else showSignIn(token ? "" : "Signed out in another tab.");
}

// A `#token=` link must not switch a signed-in tab to another account unasked: a link from
// anyone would otherwise put the person's next words into the sender's account.
function acceptHandedToken(handed, current) {
  const now = current && subjectOf(current);
  const next = subjectOf(handed);
  if (!now || !next || now === next) return true;
  return window.confirm(
    `This link signs this tab in as "${next}". You are signed in as "${now}". Switch accounts?`,
  );
}

async function showSignIn(message) {
  $("app").hidden = true;
  $("signin").hidden = false;
  showNotice($("signin-notice"), message);
  $("dev-form").hidden = !(await devSignInAvailable().catch(() => false));
  if (!$("dev-code").value) $("dev-code").value = rememberedDevCode();
  ($("dev-form").hidden ? $("token-input") : $("dev-name")).focus();
}

async function onDevSignIn(event) {
  event.preventDefault();
  const name = $("dev-name").value.trim();
  const code = $("dev-code").value.trim();
  const failed = { error: "Could not sign in by name; use a token instead." };
  const result = name && code ? await devToken(name, code).catch(() => failed) : failed;
  if (!result.token) {
    showNotice($("signin-notice"), result.error);
    return;
  }
  keepToken(result.token);
  signIn(result.token);
}

function onTokenSignIn(event) {
  event.preventDefault();
  const token = $("token-input").value.trim().replace(/^Bearer\s+/i, "");
  if (!subjectOf(token)) {
    showNotice($("signin-notice"), "That is not a token with a user in it (a JWT with `sub`).");
    return;
  }
  keepToken(token);
  $("token-input").value = "";
  signIn(token);
}

function signOut(message) {
  leave();
  forgetToken();
  showSignIn(message);
}

function leave() {
  session?.feed.stop();
  session?.chat.leave();
  session = null;
}

function signIn(token) {
  const user = subjectOf(token);
  const api = new Api(token, user, () =>
    signOut("Your sign-in is no longer valid (expired or not accepted); please sign in again."));
  $("signin").hidden = true;
  $("app").hidden = false;
  $("who").textContent = user;
  showNotice($("signin-notice"), "");

  const tasks = new TaskPanel(api, {
    list: $("task-list"), empty: $("task-empty"), notice: $("task-notice"),
    filters: [...document.querySelectorAll("[data-filter]")], priority: $("only-priority"),
    tag: $("only-tag"), sort: $("sort"), form: $("add-task"), input: $("new-task"),
    undo: $("task-undo"),
  });
  const activity = new ActivityView(api, {
    open: $("show-activity"), section: $("activity"), close: $("close-activity"),
    list: $("activity-list"), more: $("activity-more"), notice: $("activity-notice"),
  }, () => tasks.load().catch(() => {}));
  const reminders = new Reminders($("reminders"), $("allow-notifications"));
  reminders.clear();
  const conversations = new ConversationList(api, $("conversation-list"), {
    onSelect: (id) => openConversation(id),
    onRenamed: (id) => showTitle(id),
    onDeleted: (id) => chat.conversationId === id && openConversation(null),
    onError: (message) => chat.notice(message),
  }, { search: $("search-chats"), more: $("conversation-more"), status: $("conversation-status") });
  const connection = new Connection($("connection"));
  const chat = new ChatView(api, {
    log: $("log"), announcer: $("announcer"), notice: $("chat-notice"), stop: $("stop"),
    usage: $("chat-usage"),
  }, {
    onConversation: (id) => {
      remember(id);
      conversations.select(id);
      conversations.load().then(() => showTitle(id), () => {});
    },
    onRunning: (id, running) => conversations.setAnswering(id, running),
    onUndone: () => {
      tasks.load().catch(() => {});
      activity.refreshIfOpen();
    },
    onAnswered: (toolCalls) => {
      if (toolCalls?.length) tasks.load().catch(() => {});
      conversations.load().then(() => showTitle(chat.conversationId), () => {});
    },
  }, connection);

  function showTitle(id) {
    $("chat-title").textContent = id === null ? "New conversation" : conversations.title(id);
    document.title = id === null ? "todo-chat" : `${conversations.title(id)} · todo-chat`;
    showSuggestions($("suggestions"), id === null, (text) => {
      $("message").value = text;
      $("composer").requestSubmit();
    });
  }

  async function openConversation(id) {
    remember(id);
    conversations.select(id);
    showTitle(id);
    closePanels();
    try {
      await chat.open(id);
    } catch (error) {
      if (error.status === 404) openConversation(null);
      else chat.notice(error.message);
    }
  }

  const feed = new Feed(api, {
    reload: () => Promise.all([tasks.load(), conversations.load()]),
    task: ({ action, task }) => {
      tasks.apply(action, task);
      activity.refreshIfOpen();
    },
    conversation: ({ action, conversation }) => {
      conversations.apply(action, conversation);
      if (conversation.id !== chat.conversationId) return;
      if (action === "deleted") openConversation(null);
      else if (conversation.running && !chat.running) chat.open(chat.conversationId).catch(() => {});
      else showTitle(conversation.id);
    },
    reminder: ({ task }) => reminders.show(task),
  }, connection);
  session = { feed, chat, api, token };

  wireComposer(chat);
  $("new-chat").onclick = () => {
    openConversation(null);
    $("message").focus();
  };
  $("stop").onclick = () => chat.stop();
  Promise.all([tasks.load(), conversations.load()])
    .then(() => showTitle(chat.conversationId))
    .catch((error) => chat.notice(error.message));
  openConversation(rememberedConversation());
  feed.run();
  $("message").focus();
}

function wireComposer(chat) {
  const box = $("message");
  const recount = wireCounter(box, $("message-count"));
  $("composer").onsubmit = async (event) => {
    event.preventDefault();
    const text = box.value;
    if (!text.trim()) return;
    box.value = "";
    recount();
    const sent = await chat.send(text);
    if (!sent && !box.value) box.value = text; // keep what was typed when it did not go
    recount();
  };
  box.onkeydown = (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  };
}

// The open conversation lives in the address (#c=7), so a reload comes back to it.
function remember(id) {
  history.replaceState(null, "", id === null ? location.pathname : `#c=${id}`);
}

function rememberedConversation() {
  const id = Number(new URLSearchParams(location.hash.slice(1)).get("c"));
  return Number.isInteger(id) && id > 0 ? id : null;
}

// On a narrow screen the conversation list and the task panel open over the conversation.
function wirePanels() {
  for (const toggle of document.querySelectorAll(".toggle")) {
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      closePanels();
      toggle.setAttribute("aria-expanded", String(open));
      toggle.setAttribute("aria-pressed", String(open));
      $(toggle.getAttribute("aria-controls")).classList.toggle("open", open);
    });
  }
  // Escape closes a panel, unless it was for an edit in it (a rename, a task's editor), which
  // it only cancels: on a phone the list would otherwise vanish with the edit.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) closePanels();
  });
}

function closePanels() {
  for (const toggle of document.querySelectorAll(".toggle")) {
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-pressed", "false");
    $(toggle.getAttribute("aria-controls")).classList.remove("open");
  }
}

// The skip link moves focus without writing `#message` over the address, which holds the open
// conversation (`#c=7`); on the sign-in view it lands on the first field.
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  const field = "#signin form:not([hidden]) :is(input, textarea)";
  ($("app").hidden ? document.querySelector(field) : $("message"))?.focus();
});

wirePanels();
start();
