// Chat with the clerk. Every message is shown as plain text (textContent):
// whatever the other side types, nothing in it is ever interpreted as HTML.
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const MAX_CHARS = 2000;

export function timeText(iso) {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? "" : when.toLocaleTimeString(document.documentElement.lang || "de", { hour: "2-digit", minute: "2-digit" });
}

export class Chat {
  constructor(signaling, { onClerkMessage = () => {} } = {}) {
    this.signaling = signaling;
    this.onClerkMessage = onClerkMessage;
    this.seen = new Set();
    this.log = $("chat-log");
    this.input = $("chat-input");
    this.msg = $("chat-msg");
    $("chat-form").addEventListener("submit", (event) => { event.preventDefault(); this.send(); });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); this.send(); }
    });
  }

  send() {
    const text = this.input.value.trim();
    if (!text) return;
    if (text.length > MAX_CHARS) return this.error(t("Die Nachricht ist zu lang (höchstens {max} Zeichen).", { max: MAX_CHARS }));
    if (!this.signaling.send("chat", { text })) return this.error(t("Keine Verbindung. Ihre Nachricht wurde nicht gesendet."));
    this.input.value = "";
    this.msg.hidden = true;
  }

  error(text) {
    this.msg.textContent = text;
    this.msg.hidden = false;
  }

  reset(messages) {
    this.log.setAttribute("aria-busy", "true");
    this.seen.clear();
    this.log.replaceChildren();
    for (const m of messages) this.add(m, false);
    this.log.setAttribute("aria-busy", "false");
  }

  add(m, live = true) {
    if (m.id !== undefined && this.seen.has(m.id)) return;
    if (m.id !== undefined) this.seen.add(m.id);
    const mine = m.from === "citizen";
    const li = document.createElement("li");
    li.className = mine ? "mine" : "theirs";
    li.dataset.from = m.from || "";
    const meta = document.createElement("p");
    meta.className = "meta";
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = mine ? t("Sie") : (m.name || t("Sachbearbeitung"));
    const when = document.createElement("time");
    if (m.at) when.dateTime = m.at;
    when.textContent = m.at ? timeText(m.at) : "";
    meta.append(who, " · ", when);
    const text = document.createElement("p");
    text.className = "text";
    text.textContent = String(m.text ?? ""); // plain text, never HTML
    li.append(meta, text);
    this.log.append(li);
    this.log.scrollTop = this.log.scrollHeight; // only the log scrolls, never the page
    if (live && !mine) this.onClerkMessage(m);
  }

  disable() {
    this.input.disabled = true;
    $("chat-send").disabled = true;
  }
}
