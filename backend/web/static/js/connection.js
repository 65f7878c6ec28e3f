// Whether the server can be reached, as the page's streams (the answer, the live feed) find
// out, shown in a banner: "reconnecting…" while it cannot, "back" once it can again.
const BACK_SHOWN_MS = 3000;

export class Connection {
  constructor(banner) {
    this.banner = banner;
    this.online = true;
    this.timer = null;
    this.listeners = []; // called when the connection is back
  }

  onBack(listener) {
    this.listeners.push(listener);
  }

  lost() {
    if (!this.online) return;
    this.online = false;
    clearTimeout(this.timer);
    this.show("Connection to the server lost: reconnecting…");
  }

  back() {
    if (this.online) return;
    this.online = true;
    this.show("Connection back.");
    this.timer = setTimeout(() => this.show(""), BACK_SHOWN_MS);
    for (const listener of this.listeners) listener();
  }

  show(text) {
    this.banner.textContent = text;
    this.banner.hidden = text === "";
  }
}
