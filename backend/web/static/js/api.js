// Calls to the todo-chat API as the signed-in user; a 401 anywhere signs the page out.
import { plainIssues, plainSentence } from "./plain.js";

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  constructor(token, user, onUnauthorized) {
    this.token = token;
    this.user = user;
    this.onUnauthorized = onUnauthorized;
  }

  url(path) {
    return `/api/${encodeURIComponent(this.user)}${path}`;
  }

  // The raw response (for streams and 204s); errors other than 401 are the caller's.
  async fetch(path, { method = "GET", body, headers = {}, signal } = {}) {
    const init = { method, signal, headers: { Authorization: `Bearer ${this.token}`, ...headers } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    const response = await fetch(this.url(path), init);
    if (response.status === 401) {
      const error = await errorOf(response);
      this.onUnauthorized(error.message);
      throw error;
    }
    return response;
  }

  // The JSON body of a successful call (null for 204), else an ApiError.
  async json(path, options) {
    const response = await this.fetch(path, options);
    if (!response.ok) throw await errorOf(response);
    return response.status === 204 ? null : response.json();
  }
}

export async function errorOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: keep the status alone
  }
  return new ApiError(response.status, body?.code ?? "http_error", describe(response, body));
}

function describe(response, body) {
  if (typeof body?.detail === "string") return plainSentence(body.detail);
  if (Array.isArray(body?.detail)) return plainIssues(body.detail);
  return `The server answered ${response.status}.`;
}
