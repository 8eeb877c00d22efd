// The fields the citizen fills in themselves (not readonly_for_citizen): real inputs, and the
// queue that sends them as `form_set`, one at a time, each with the version the server has.
// One at a time, because every accepted edit makes a new version: a second edit sent before the
// first one's answer would always be refused as stale.
//
// Stale refusal (the clerk changed the form meanwhile): the edit is sent once more with the new
// version, unless the clerk changed this very field — then the clerk's value stays and the page
// says so, naming what the citizen had entered, so nothing is lost silently.

export const EDITABLE_TYPES = new Set(["text", "textarea", "email", "phone", "number", "date", "select", "nationality", "checkbox", "address", "upload"]);

export function editable(field) {
  return !field.readonly_for_citizen && field.type !== "signature" && EDITABLE_TYPES.has(field.type);
}

// Mirrors the server's forms.document.normalize: what compares equal, null for "nothing entered".
export function norm(value) {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value.trim() ? value.normalize("NFC") : null;
  if (Array.isArray(value)) {
    const items = value.map(norm).filter((v) => v !== null);
    return items.length ? items : null;
  }
  if (typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value).sort()) {
      const v = norm(value[key]);
      if (v !== null) out[key] = v;
    }
    return Object.keys(out).length ? out : null;
  }
  return value;
}

export const same = (a, b) => JSON.stringify(norm(a)) === JSON.stringify(norm(b));

// A Condition from the definition ({field, in}) against the current answers (forms.model.Condition.holds).
export function holds(when, values) {
  if (!when) return true;
  const current = values[when.field];
  if ((current === undefined || current === null) && when.in.includes(false)) return true;
  return current !== undefined && current !== null && when.in.includes(current);
}

// The value a control (or an address group) holds now, as the server wants it.
export function readValue(view, field) {
  const controls = [...view.querySelectorAll("[data-field]")].filter((c) => c.dataset.field === field.id);
  if (field.type === "address") {
    const out = {};
    for (const c of controls) if (c.dataset.part && c.value.trim()) out[c.dataset.part] = c.value;
    return Object.keys(out).length ? out : null;
  }
  const c = controls[0];
  if (!c) return undefined;
  if (field.type === "checkbox") return c.checked;
  if (field.type === "upload") { // one of the citizen's uploaded documents, described as the form stores it
    const d = c.documents?.get(c.value);
    return d ? [{ name: d.name, media_type: d.mime, size: d.size, sha256: d.sha256 }] : null;
  }
  if (field.type === "number") return c.value.trim() === "" ? null : Number(c.value);
  return c.value === "" ? null : c.value;
}

// Sends the citizen's edits in order; `form()` returns the form the page shows now.
export class EditQueue {
  constructor(send, { form, onConflict, onChange }) {
    this.send = send;
    this.form = form;
    this.onConflict = onConflict;
    this.onChange = onChange || (() => {});
    this.queue = []; // {field, value, base, retried}
    this.inflight = null; // the one sent, waiting for its answer
    this.waitForm = false; // after a stale refusal: the next form message brings the new version
    this.accepted = new Map(); // field → the citizen's own last value the server took
  }

  get busy() { return Boolean(this.inflight || this.queue.length); }

  // The value the page should show for a field while an edit of it is on its way.
  pending(fieldId) {
    const queued = [...this.queue].reverse().find((e) => e.field === fieldId);
    if (queued) return queued;
    return this.inflight && this.inflight.field === fieldId ? this.inflight : null;
  }

  edit(fieldId, value, base) {
    const known = this.pending(fieldId);
    if (same(value, known ? known.value : this.serverValue(fieldId))) return false;
    const earlier = this.queue.find((e) => e.field === fieldId);
    if (earlier) earlier.value = value; // not sent yet: only the newest value goes
    else this.queue.push({ field: fieldId, value, base: norm(base), retried: false });
    this.pump();
    this.onChange();
    return true;
  }

  serverValue(fieldId) { return (this.form()?.values || {})[fieldId]; }

  pump() {
    const form = this.form();
    if (this.inflight || this.waitForm || !form) return;
    while (this.queue.length) {
      const entry = this.queue[0];
      const now = norm(this.serverValue(entry.field));
      const mine = this.accepted.has(entry.field) ? this.accepted.get(entry.field) : undefined;
      if (same(now, entry.value)) { // already so on the server (e.g. the answer came with a snapshot)
        this.queue.shift();
        continue;
      }
      if (!same(now, entry.base) && !(mine !== undefined && same(now, mine))) { // the clerk changed this field
        this.queue.shift();
        this.onConflict(entry);
        continue;
      }
      this.inflight = { ...entry, version: form.version };
      this.queue.shift();
      if (!this.send(entry.field, entry.value, form.version)) { // offline: try again after the reconnect
        this.queue.unshift(entry);
        this.inflight = null;
        this.onChange();
        return false;
      }
      break;
    }
    this.onChange();
    return true;
  }

  // A form message arrived (the answer to the edit, a clerk's change, a snapshot).
  formArrived() {
    this.waitForm = false;
    const sent = this.inflight;
    if (sent && same(this.serverValue(sent.field), sent.value)) {
      this.accepted.set(sent.field, norm(sent.value));
      this.inflight = null;
    }
    this.pump();
  }

  // The server refused the edit in flight; true when it was handled here (sent again).
  refused(code) {
    const sent = this.inflight;
    if (!sent) return false;
    this.inflight = null;
    if (code === "stale_version" && !sent.retried) {
      this.queue.unshift({ field: sent.field, value: sent.value, base: sent.base, retried: true });
      this.waitForm = true; // the server sends the current form right after the refusal
      this.onChange();
      return true;
    }
    this.onChange();
    this.pump();
    return false;
  }

  // The connection dropped: what was in flight is sent again once the snapshot is there.
  reconnected() {
    if (this.inflight) this.queue.unshift({ ...this.inflight });
    this.inflight = null;
    this.waitForm = true;
  }
}
