// The signed-in identity: a bearer token kept in localStorage, so every tab of this origin
// shares one sign-in while the token is valid, and signing out in one signs out all of them.
// Why that is safe here: docs/web.md ("How the token is kept").
const STORAGE_KEY = "todo-chat.token";

export function storedToken() {
  const token = localStorage.getItem(STORAGE_KEY);
  if (token !== null && expired(token)) {
    forgetToken();
    return null;
  }
  return token;
}

export function keepToken(token) {
  localStorage.setItem(STORAGE_KEY, token);
}

export function forgetToken() {
  localStorage.removeItem(STORAGE_KEY);
}

// Another tab signed in, switched accounts or signed out: `storage` fires in every other tab of
// the origin (never in the tab that made the change). `token` is null when signed out.
export function onTokenChange(callback) {
  window.addEventListener("storage", (event) => {
    if (event.key === STORAGE_KEY || event.key === null) callback(storedToken());
  });
}

// `#token=<jwt>` hands a signed-in user over from another app; the hash is cleared at once
// so the token does not stay in the address bar or the history.
export function takeTokenFromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  if (token === null) return null;
  history.replaceState(null, "", location.pathname + location.search);
  return token.trim() || null;
}

// The user id is the token's `sub`. The page only reads it to build paths: the server
// verifies the token on every request.
export function subjectOf(token) {
  const sub = claimsOf(token)?.sub;
  return typeof sub === "string" && sub ? sub : null;
}

// A token past its `exp` is not offered to the server (nor kept for the next tab).
function expired(token) {
  const exp = claimsOf(token)?.exp;
  return typeof exp === "number" && exp * 1000 <= Date.now();
}

function claimsOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === "object" ? claims : null;
  } catch {
    return null;
  }
}

// The dev sign-in code, kept in this browser once it worked: the person typed it from the
// server's terminal, and it stays the same while the server's data dir does.
const CODE_KEY = "todo-chat.dev-code";

export function rememberedDevCode() {
  return localStorage.getItem(CODE_KEY) || "";
}

// In dev mode, on loopback, the server signs a token for a name and its sign-in code;
// elsewhere this is a 404. Resolves to { token } or { error } (a sentence for the person).
export async function devToken(userId, code) {
  const response = await fetch("/dev/token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user_id: userId, code }),
  });
  if (response.status === 403) {
    localStorage.removeItem(CODE_KEY);
    return { error: "That sign-in code is not this server's; copy it from the server's terminal." };
  }
  if (!response.ok) return { error: "Could not sign in by name; use a token instead." };
  localStorage.setItem(CODE_KEY, code);
  const body = await response.json();
  return { token: body.token };
}

export async function devSignInAvailable() {
  // An empty body is a 422 where the route exists and a 404 where it does not.
  const response = await fetch("/dev/token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: "{}",
  });
  return response.status === 422;
}
