// The session panel next to the video: one case per ticket (docs/case.md).
// Tabs for chat, documents, form, signature, fee and certificate; every part
// is a small module that renders only text (textContent, never innerHTML).
import { N_, t } from "./i18n.js";
import { Chat } from "./chat.js";
import { Documents, Shown } from "./documents.js";
import { FormView } from "./form.js";
import { SignaturePad } from "./signature.js";
import { Certificate, Payment } from "./payment.js";
import { IdCopyConsent } from "./id_copy.js";

const $ = (id) => document.getElementById(id);
// Attribute texts the page's data-i18n pass does not reach.
const ATTRIBUTE_TEXTS = [
  ["shown-zoom-out", "aria-label", N_("Verkleinern")],
  ["shown-zoom-in", "aria-label", N_("Vergrößern")],
  ["shown-img", "alt", N_("Von der Sachbearbeitung gezeigtes Dokument")],
  ["chat-log", "aria-label", N_("Nachrichten")],
  ["sig-pad", "aria-label", N_("Unterschriftsfeld")],
];

// Tabs after the WAI-ARIA pattern: arrow keys move between tabs, one tab stop.
class Tabs {
  constructor(list) {
    this.list = list;
    this.tabs = [...list.querySelectorAll("[role=tab]")];
    for (const tab of this.tabs) {
      tab.addEventListener("click", () => this.select(tab.dataset.tab, true));
      tab.addEventListener("keydown", (event) => this.key(event, tab));
    }
    this.select(this.tabs[0].dataset.tab);
  }

  get current() { return this.list.querySelector("[aria-selected=true]")?.dataset.tab; }

  tab(name) { return this.tabs.find((tab) => tab.dataset.tab === name); }

  select(name, focus = false) {
    for (const tab of this.tabs) {
      const on = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      $(tab.getAttribute("aria-controls")).hidden = !on;
      if (on) this.unread(name, 0);
    }
    if (focus) this.tab(name).focus();
    document.body.dataset.caseTab = name;
  }

  // A tab only appears once there is something in it (a form, a fee, …).
  reveal(name, select = false) {
    this.tab(name).hidden = false;
    if (select) this.select(name);
  }

  unread(name, count) {
    const badge = this.tab(name).querySelector(".count");
    badge.textContent = count ? String(count) : "";
    badge.hidden = !count;
  }

  bump(name) {
    if (this.current === name) return;
    const badge = this.tab(name).querySelector(".count");
    this.unread(name, Number(badge.textContent || 0) + 1);
  }

  key(event, tab) {
    const visible = this.tabs.filter((x) => !x.hidden);
    let i = visible.indexOf(tab);
    const rtl = getComputedStyle(this.list).direction === "rtl";
    if (event.key === (rtl ? "ArrowLeft" : "ArrowRight")) i = (i + 1) % visible.length;
    else if (event.key === (rtl ? "ArrowRight" : "ArrowLeft")) i = (i - 1 + visible.length) % visible.length;
    else if (event.key === "Home") i = 0;
    else if (event.key === "End") i = visible.length - 1;
    else return;
    event.preventDefault();
    this.select(visible[i].dataset.tab, true);
  }
}

export class CasePanel {
  constructor(signaling, token) {
    this.signaling = signaling;
    this.token = token;
    for (const [id, attr, text] of ATTRIBUTE_TEXTS) $(id).setAttribute(attr, t(text));
    this.tabs = new Tabs($("case-tabs"));
    this.chat = new Chat(signaling, { onClerkMessage: (m) => this.clerkMessage(m) });
    this.documents = new Documents(token, { onReceived: () => this.tabs.bump("docs"), onAdded: () => this.form.documentsChanged() });
    this.shown = new Shown(token);
    this.form = new FormView(signaling, () => [...this.documents.known.values()]);
    this.signature = new SignaturePad(token);
    this.payment = new Payment();
    this.certificate = new Certificate(token);
    this.idCopy = new IdCopyConsent(signaling, { announce: (text) => { $("case-announce").textContent = text; } });
    this.handlers = {
      case: (msg) => this.snapshot(msg.case || {}),
      chat: (msg) => this.chat.add(msg),
      document: (msg) => this.documents.add(msg),
      form: (msg) => this.showForm(msg.form),
      sign_request: (msg) => this.signRequest(msg),
      signature: (msg) => this.signature.done(msg),
      payment: (msg) => this.showPayment(msg),
      issued: (msg) => this.issued(msg),
      show: (msg) => this.shown.show(msg),
      error: (msg) => this.error(msg),
    };
    for (const [type, handler] of Object.entries(this.handlers)) {
      signaling.addEventListener(type, (event) => handler(event.detail));
    }
    $("case").hidden = false;
  }

  // The full state, sent on call start, reconnect and some clerk changes. Merged, never
  // duplicated, and it does not switch tabs: only a live event may take the citizen's attention.
  snapshot(c) {
    if (c.erased) {
      this.chat.reset([]);
      this.documents.reset([]);
    }
    for (const m of c.chat || []) this.chat.add(m, false);
    for (const d of c.documents || []) this.documents.add(d, false);
    if (c.form) this.showForm(c.form);
    // a pending request (if the server's snapshot names one) that no signature answers yet
    const asked = c.sign_request;
    if (asked && !(c.signatures || []).some((sig) => sig.document_hash === asked.document_hash)) {
      // news to this page (asked while it was disconnected): that may take the citizen's attention
      this.signRequest(asked, this.signature.pending?.document_hash !== asked.document_hash);
    }
    // the form as it stands is signed: a fresh page (link opened again) says so, like the live one did
    const signed = (c.signatures || []).find((sig) => !sig.void && sig.document_hash === c.form?.document_hash);
    if (signed && c.form?.signed && !this.signature.pending) {
      this.signature.done(signed);
      this.tabs.reveal("sign");
    }
    const payments = c.payments || [];
    if (payments.length) this.showPayment(payments[payments.length - 1], false);
    const issued = c.issued || [];
    if (issued.length) this.issued(issued[issued.length - 1], false);
    this.shown.show({ document_id: c.shown ?? null }, true);
    document.body.dataset.case = String(c.id ?? "");
    document.body.dataset.caseSnapshots = String(Number(document.body.dataset.caseSnapshots || 0) + 1);
  }

  showForm(form) {
    if (!form) return;
    this.form.render(form);
    this.tabs.reveal("form");
    // a changed form voids a signature that was asked for an older version
    if (this.signature.pending && this.signature.pending.document_hash !== form.document_hash) {
      this.signature.withdraw(t("Das Formular wurde geändert. Bitte bestätigen Sie die Angaben erneut."));
    }
  }

  signRequest(msg, live = true) {
    // asked again for the same version (e.g. after a reconnect): keep what is drawn
    if (!this.signature.pending || this.signature.pending.document_hash !== msg.document_hash) this.signature.request(msg);
    this.tabs.reveal("sign", live);
    if (live) $("sig-pad").focus();
  }

  showPayment(msg, live = true) {
    const known = this.payment.id === msg.id && this.payment.state === msg.state;
    this.payment.update(msg);
    this.tabs.reveal("pay", live && !known && msg.state === "open");
  }

  issued(msg, live = true) {
    const known = this.certificate.issued?.document_id === msg.document_id;
    this.certificate.update(msg);
    this.tabs.reveal("cert", live && !known);
  }

  // The chat's live region is hidden with its tab; then a separate one reads the message out.
  clerkMessage(m) {
    if (this.tabs.current === "chat") return;
    this.tabs.bump("chat");
    $("case-announce").textContent = t("Neue Nachricht von {name}: {text}", { name: m.name || t("Sachbearbeitung"), text: m.text });
  }

  error(msg) {
    if (msg.ref === "chat") this.chat.error(msg.message);
    else if (msg.ref === "form_confirm" || msg.ref === "form_lang" || msg.ref === "form_set") this.form.error(msg);
  }

  // After the call: the certificate stays downloadable, nothing else can change.
  ended() {
    this.chat.disable();
    this.documents.disable();
    this.form.disable();
    this.signature.withdraw("");
    this.idCopy.withdraw();
    if (!this.certificate.issued) $("case").hidden = true;
    this.shown.show({ document_id: null });
  }
}

export function startCase(signaling, token) {
  return new CasePanel(signaling, token);
}
