// Documents of the case: uploads with progress and retry, the list of own and
// received files, downloads, and the picture the clerk is showing.
// The ticket's token goes into an Authorization header, never into a URL, so
// downloads go through fetch + a blob: URL instead of a plain link.
import { N_, t } from "./i18n.js";
import { newKey } from "./format.js";
import { timeText } from "./chat.js";

const $ = (id) => document.getElementById(id);
const API = "/api/v1/case/documents";
const ACCEPT = new Set(["application/pdf", "image/jpeg", "image/png"]);
const FALLBACK_ERRORS = {
  401: N_("Ihr Link ist ungültig oder abgelaufen."),
  403: N_("Ihr Link ist ungültig oder abgelaufen."),
  413: N_("Die Datei ist zu groß."),
  415: N_("Bitte laden Sie nur PDF-, JPEG- oder PNG-Dateien hoch."),
  422: N_("Die PDF-Datei ist beschädigt oder verschlüsselt und kann nicht angenommen werden."),
};
const KIND_TEXT = {
  upload: N_("Hochgeladen"),
  shared: N_("Von der Sachbearbeitung"),
  certificate: N_("Bescheinigung"),
  receipt: N_("Quittung"),
  signature: N_("Unterschrift"),
  snapshot: N_("Aufnahme"),
  id_copy: N_("Kopie Ihres Ausweises"),
};

export function sizeText(bytes) {
  const lang = document.documentElement.lang || "de";
  if (bytes < 1024 * 1024) return `${new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(Math.max(1, bytes / 1024))} KB`;
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(bytes / 1024 / 1024)} MB`;
}

// GET with the bearer token; the server's German `message` becomes the error text.
export async function fetchBlob(url, token) {
  let res;
  try {
    res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    throw new Error(t("Keine Verbindung. Bitte versuchen Sie es erneut."));
  }
  if (!res.ok) throw new Error(await errorText(res.status, () => res.json()));
  return res.blob();
}

export async function saveFile(url, token, name) {
  const blob = await fetchBlob(url, token);
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = name || "dokument";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60000);
}

async function errorText(status, readJson) {
  try {
    const body = await readJson();
    if (body && typeof body.message === "string" && body.message) return body.message;
  } catch { /* not JSON */ }
  return t(FALLBACK_ERRORS[status] || "Das hat nicht geklappt. Bitte versuchen Sie es erneut.");
}

// One file on its way up. The Idempotency-Key stays the same for every retry,
// so a retry after a lost answer returns the first document, not a duplicate.
class Upload {
  constructor(file, token, onDone) {
    this.file = file;
    this.token = token;
    this.onDone = onDone;
    this.key = newKey();
    this.li = document.createElement("li");
    this.li.className = "upload";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = file.name;
    this.progress = document.createElement("progress");
    this.progress.max = 100;
    this.progress.value = 0;
    this.progress.setAttribute("aria-label", t("Fortschritt: {name}", { name: file.name }));
    this.status = document.createElement("span");
    this.status.className = "small";
    this.status.setAttribute("role", "status");
    this.retry = document.createElement("button");
    this.retry.type = "button";
    this.retry.className = "secondary retry";
    this.retry.textContent = t("Erneut versuchen");
    this.retry.hidden = true;
    this.retry.addEventListener("click", () => this.start());
    this.li.append(name, this.progress, this.status, this.retry);
    this.li.dataset.state = "new";
    this.progressEvents = 0;
  }

  start() {
    this.retry.hidden = true;
    this.status.classList.remove("error");
    this.li.dataset.state = "uploading";
    this.status.textContent = t("Wird hochgeladen …");
    this.progress.value = 0;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", API);
    xhr.setRequestHeader("Authorization", `Bearer ${this.token}`);
    xhr.setRequestHeader("X-Filename", encodeURIComponent(this.file.name)); // headers are Latin-1 only
    xhr.setRequestHeader("Idempotency-Key", this.key);
    xhr.setRequestHeader("Content-Type", this.file.type || "application/octet-stream");
    xhr.upload.addEventListener("progress", (event) => {
      this.progressEvents += 1;
      this.li.dataset.progressEvents = String(this.progressEvents);
      if (event.lengthComputable) this.progress.value = Math.round((100 * event.loaded) / event.total);
    });
    xhr.addEventListener("load", () => this.finished(xhr));
    xhr.addEventListener("error", () => this.failed(t("Die Verbindung ist abgebrochen. Bitte versuchen Sie es erneut."), true));
    xhr.addEventListener("timeout", () => this.failed(t("Die Verbindung ist abgebrochen. Bitte versuchen Sie es erneut."), true));
    xhr.send(this.file);
  }

  async finished(xhr) {
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
    if (xhr.status === 200 || xhr.status === 201) {
      this.progress.value = 100;
      this.li.dataset.state = "done";
      this.status.textContent = t("Hochgeladen");
      this.onDone(body?.document || body, this);
      return;
    }
    const retryable = xhr.status >= 500 || xhr.status === 429 || xhr.status === 0;
    this.failed(await errorText(xhr.status, () => body), retryable);
  }

  failed(text, retryable) {
    this.li.dataset.state = "failed";
    this.status.textContent = text;
    this.status.classList.add("error");
    this.retry.hidden = !retryable;
  }
}

export class Documents {
  constructor(token, { onReceived = () => {}, onAdded = () => {} } = {}) {
    this.token = token;
    this.onReceived = onReceived;
    this.onAdded = onAdded; // a form's document field may be waiting for this file
    this.known = new Map();
    this.list = $("doc-list");
    this.input = $("doc-file");
    this.input.addEventListener("change", () => {
      for (const file of this.input.files) this.upload(file);
      this.input.value = "";
    });
  }

  upload(file) {
    const up = new Upload(file, this.token, (doc, u) => {
      if (doc && doc.id !== undefined) this.add(doc, false);
      setTimeout(() => u.li.remove(), 4000);
    });
    $("upload-list").append(up.li);
    if (file.type && !ACCEPT.has(file.type) && !/\.(pdf|jpe?g|png)$/i.test(file.name)) {
      up.failed(t(FALLBACK_ERRORS[415]), false);
      return up;
    }
    up.start();
    return up;
  }

  reset(docs) {
    this.known.clear();
    this.list.replaceChildren();
    for (const d of docs) this.add(d, false);
  }

  add(d, live = true) {
    const id = String(d.id);
    if (this.known.has(id)) return;
    const li = document.createElement("li");
    li.dataset.id = id;
    li.dataset.kind = d.kind || "";
    li.dataset.from = d.from || "";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = d.name || t("Dokument");
    const meta = document.createElement("span");
    meta.className = "small";
    const from = d.from === "citizen" ? t("Von Ihnen") : t(KIND_TEXT[d.kind] || "Von der Sachbearbeitung");
    meta.textContent = [from, d.size ? sizeText(d.size) : "", d.at ? timeText(d.at) : ""].filter(Boolean).join(" · ");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = t("Herunterladen");
    button.setAttribute("aria-label", t("{name} herunterladen", { name: d.name || t("Dokument") }));
    const error = document.createElement("span");
    error.className = "error";
    error.setAttribute("role", "alert");
    button.addEventListener("click", async () => {
      error.textContent = "";
      button.disabled = true;
      try { await saveFile(`${API}/${encodeURIComponent(id)}`, this.token, d.name); } catch (err) { error.textContent = err.message; }
      button.disabled = false;
    });
    li.append(name, meta, button, error);
    this.list.append(li);
    this.known.set(id, d);
    $("doc-empty").hidden = true;
    if (live && d.from !== "citizen") this.onReceived();
    this.onAdded(d);
  }

  disable() {
    this.input.disabled = true;
  }
}

// The picture the clerk puts on the citizen's screen (a site plan, a page), large and zoomable.
export class Shown {
  constructor(token) {
    this.token = token;
    this.zoom = 1;
    this.url = null;
    this.section = $("shown");
    this.img = $("shown-img");
    this.closedId = null;
    $("shown-close").addEventListener("click", () => { this.closedId = this.section.dataset.documentId || null; this.hide(); });
    $("shown-zoom-in").addEventListener("click", () => this.setZoom(this.zoom + 1));
    $("shown-zoom-out").addEventListener("click", () => this.setZoom(this.zoom - 1));
  }

  // fromSnapshot: the state after a reconnect; it neither re-opens what the citizen closed nor reloads.
  async show(msg, fromSnapshot = false) {
    if (msg.document_id === null || msg.document_id === undefined) return this.hide();
    const id = String(msg.document_id);
    if (fromSnapshot && (id === this.closedId || id === this.section.dataset.documentId)) return;
    this.closedId = null;
    const url = msg.url || `${API}/${encodeURIComponent(id)}`;
    try {
      const blob = await fetchBlob(url, this.token);
      this.hide();
      this.url = URL.createObjectURL(blob);
      this.img.src = this.url;
      this.section.dataset.documentId = String(msg.document_id);
      this.setZoom(1);
      this.section.hidden = false;
      this.section.scrollIntoView({ block: "start", behavior: "smooth" });
      $("shown-close").focus({ preventScroll: true });
    } catch (err) {
      console.warn("shown document", err);
    }
  }

  setZoom(level) {
    this.zoom = Math.min(4, Math.max(1, level));
    this.img.dataset.zoom = String(this.zoom);
    $("shown-zoom-out").disabled = this.zoom === 1;
    $("shown-zoom-in").disabled = this.zoom === 4;
  }

  hide() {
    this.section.hidden = true;
    delete this.section.dataset.documentId;
    this.img.removeAttribute("src");
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
  }
}
