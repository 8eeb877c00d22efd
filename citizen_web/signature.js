// Signing on the screen with a finger, a pen (with pressure) or the mouse.
// Pointer Events cover all three; the canvas has touch-action: none so the
// page does not scroll while signing. Points are kept relative to the canvas
// (0…1) so a resize or rotation redraws them, and sent as CSS pixels
// [[x, y, t_ms, pressure], …] per stroke, bound to the form's document_hash.
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const API = "/api/v1/case/signature";

export class SignaturePad {
  constructor(token) {
    this.token = token;
    this.canvas = $("sig-pad");
    this.ctx = this.canvas.getContext("2d");
    this.msg = $("sig-msg");
    this.strokes = [];
    this.current = null;
    this.t0 = null;
    this.pending = null;
    this.enabled = false;
    const c = this.canvas;
    c.addEventListener("pointerdown", (e) => this.down(e));
    c.addEventListener("pointermove", (e) => this.move(e));
    c.addEventListener("pointerup", (e) => this.up(e));
    c.addEventListener("pointercancel", (e) => this.up(e));
    c.addEventListener("lostpointercapture", (e) => this.up(e));
    $("sig-clear").addEventListener("click", () => this.clear());
    $("sig-submit").addEventListener("click", () => this.submit());
    if (window.ResizeObserver) new ResizeObserver(() => this.resize()).observe(c);
    else window.addEventListener("resize", () => this.resize());
    this.setEnabled(false);
  }

  request(msg) {
    this.pending = { document_hash: msg.document_hash, version: msg.version };
    this.clear();
    this.setEnabled(true);
    this.say(t("Bitte unterschreiben Sie im Feld mit dem Finger, einem Stift oder der Maus."));
    this.canvas.dataset.state = "requested";
    this.resize();
  }

  withdraw(text) {
    this.pending = null;
    this.setEnabled(false);
    if (text) this.say(text, true);
    this.canvas.dataset.state = "withdrawn";
  }

  done(msg) {
    if (this.pending && msg.document_hash && msg.document_hash !== this.pending.document_hash) return;
    this.pending = null;
    this.setEnabled(false);
    this.canvas.dataset.state = "signed";
    this.say(t("Danke, Ihre Unterschrift ist übermittelt."));
  }

  setEnabled(on) {
    this.enabled = on;
    this.canvas.setAttribute("aria-disabled", on ? "false" : "true");
    $("sig-clear").disabled = !on;
    $("sig-submit").disabled = !on;
  }

  say(text, isError = false) {
    this.msg.textContent = text;
    this.msg.classList.toggle("error", isError);
  }

  // High-DPI: the bitmap has devicePixelRatio pixels per CSS pixel, drawing stays in CSS pixels.
  resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    if (!w || !h) return;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
    }
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.redraw();
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    if (this.t0 === null) this.t0 = e.timeStamp;
    // a mouse reports pressure 0.5 while pressed; a pen or finger without pressure reports 0
    const pressure = e.pressure > 0 ? e.pressure : 0.5;
    const clamp = (v) => Math.min(1, Math.max(0, v)); // a captured pointer may leave the box
    return [clamp((e.clientX - r.left) / r.width), clamp((e.clientY - r.top) / r.height),
      Math.max(0, Math.round(e.timeStamp - this.t0)), Math.round(pressure * 1000) / 1000];
  }

  down(e) {
    if (!this.enabled || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault();
    try { this.canvas.setPointerCapture(e.pointerId); } catch { /* synthetic events have no active pointer */ }
    this.current = { id: e.pointerId, points: [this.point(e)] };
    this.strokes.push(this.current.points);
    this.redraw();
  }

  move(e) {
    if (!this.current || e.pointerId !== this.current.id) return;
    e.preventDefault();
    const events = typeof e.getCoalescedEvents === "function" ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) this.current.points.push(this.point(ev));
    this.redraw();
  }

  up(e) {
    if (!this.current || e.pointerId !== this.current.id) return;
    this.current = null;
    this.canvas.dataset.strokes = String(this.strokes.length);
    // back to the instruction after an error; never an empty line (the page would jump)
    if (this.enabled && this.msg.classList.contains("error")) this.say(t("Bitte unterschreiben Sie im Feld mit dem Finger, einem Stift oder der Maus."));
  }

  clear() {
    this.strokes = [];
    this.current = null;
    this.t0 = null;
    this.canvas.dataset.strokes = "0";
    this.redraw();
  }

  redraw() {
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    const ctx = this.ctx;
    ctx.clearRect(0, 0, w, h);
    ctx.strokeStyle = "#aab";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(w * 0.05, h * 0.78);
    ctx.lineTo(w * 0.95, h * 0.78);
    ctx.stroke();
    ctx.strokeStyle = "#0b1e5b";
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    for (const stroke of this.strokes) {
      if (stroke.length === 1) {
        const [x, y, , p] = stroke[0];
        ctx.beginPath();
        ctx.arc(x * w, y * h, 1 + 2 * p, 0, 2 * Math.PI);
        ctx.fillStyle = "#0b1e5b";
        ctx.fill();
      }
      for (let i = 1; i < stroke.length; i++) {
        const [x0, y0] = stroke[i - 1];
        const [x1, y1, , p] = stroke[i];
        ctx.lineWidth = 1.2 + 3 * p;
        ctx.beginPath();
        ctx.moveTo(x0 * w, y0 * h);
        ctx.lineTo(x1 * w, y1 * h);
        ctx.stroke();
      }
    }
  }

  // The strokes in CSS pixels of the canvas as it is now.
  payload() {
    const width = Math.round(this.canvas.clientWidth);
    const height = Math.round(this.canvas.clientHeight);
    const round = (v) => Math.round(v * 10) / 10;
    const strokes = this.strokes.map((s) => s.map(([x, y, ms, p]) => [round(x * width), round(y * height), ms, p]));
    return { document_hash: this.pending.document_hash, strokes, width, height };
  }

  async submit() {
    if (!this.pending) return;
    const points = this.strokes.reduce((n, s) => n + s.length, 0);
    if (points < 2) return this.say(t("Bitte unterschreiben Sie zuerst im Feld."), true);
    this.setEnabled(false);
    this.say(t("Unterschrift wird übermittelt …"));
    let res;
    try {
      res = await fetch(API, {
        method: "POST",
        headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json" },
        body: JSON.stringify(this.payload()),
      });
    } catch {
      this.setEnabled(true);
      return this.say(t("Keine Verbindung. Bitte versuchen Sie es erneut."), true);
    }
    let body = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    if (res.status === 201 || res.status === 200) return this.done(body?.signature || {});
    if (res.status === 409) { // the form changed since it was shown: this signature is void
      this.withdraw(body?.message || t("Das Formular wurde geändert. Bitte bestätigen Sie die Angaben erneut."));
      this.canvas.dataset.state = "refused";
      return;
    }
    this.setEnabled(true);
    this.say(body?.message || t("Die Unterschrift wurde nicht angenommen. Bitte versuchen Sie es erneut."), true);
  }
}
