// Building elements from text only: nothing the server sends is ever parsed as HTML.
export function el(name, { className, text, attrs } = {}, ...children) {
  const node = document.createElement(name);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [key, value] of Object.entries(attrs ?? {})) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

export function showNotice(node, text) {
  node.textContent = text ?? "";
  node.hidden = !text;
}

// Waits that grow: 0.25 s, 0.5 s, 1 s … up to 5 s.
export function backoff(attempt) {
  return new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 5000)));
}
