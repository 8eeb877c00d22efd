// The citizen's end of the signaling WebSocket: hello with the link's secret,
// JSON messages {v, type, ...}, and reconnecting by itself after a drop
// (a server restart, a network change) with growing pauses.
export const PROTOCOL_VERSION = 1;
const FINAL_CLOSE_CODES = new Set([4403, 4409, 4410]);

export class Signaling extends EventTarget {
  constructor(path, token) {
    super();
    this.path = path;
    this.token = token;
    this.ws = null;
    this.attempt = 0;
    this.stopped = false;
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}${this.path}`);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: "hello", token: this.token }));
      this.dispatchEvent(new Event("open"));
    };
    ws.onmessage = (event) => {
      let msg;
      try { msg = JSON.parse(event.data); } catch { return; }
      this.dispatchEvent(new CustomEvent(msg.type, { detail: msg }));
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.dispatchEvent(new CustomEvent("close", { detail: { code: event.code, final: FINAL_CLOSE_CODES.has(event.code) } }));
      if (this.stopped || FINAL_CLOSE_CODES.has(event.code)) return;
      const delay = Math.min(5000, 300 * 2 ** this.attempt++) * (0.75 + Math.random() / 2);
      setTimeout(() => this.connect(), delay);
    };
  }

  // Drop the connection and open a new one at once (e.g. when an appointment starts).
  reconnectNow() {
    const old = this.ws;
    this.ws = null;
    if (old) old.close(1000);
    this.connect();
  }

  send(type, fields = {}) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type, ...fields }));
    return true;
  }

  close() {
    this.stopped = true;
    if (this.ws) this.ws.close(1000);
  }
}
