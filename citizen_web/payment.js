// The fee (amount, pay button, live state) and the issued certificate
// (download with the bearer token, public verification link).
import { N_, t } from "./i18n.js";
import { saveFile } from "./documents.js";

const $ = (id) => document.getElementById(id);
const STATE_TEXT = {
  open: N_("Bitte bezahlen Sie die Gebühr."),
  pending: N_("Die Zahlung wird bearbeitet …"),
  paid: N_("Bezahlt. Vielen Dank!"),
  failed: N_("Die Zahlung ist fehlgeschlagen. Bitte versuchen Sie es erneut."),
  cancelled: N_("Die Zahlung wurde abgebrochen."),
};

// Amounts are always shown the German way (5,00 €), whatever the page language.
export function money(cents, currency = "EUR") {
  return new Intl.NumberFormat("de-DE", { style: "currency", currency }).format(cents / 100);
}

// Only web links may become buttons (never javascript: or data:).
function safeUrl(url) {
  try {
    const u = new URL(url, location.href);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

export class Payment {
  constructor() {
    this.id = null;
    this.state = null;
  }

  update(p) {
    this.id = p.id;
    this.state = p.state;
    $("pay-amount").textContent = money(p.amount_cents ?? 0, p.currency || "EUR");
    $("pay-sandbox").hidden = !p.sandbox;
    const state = STATE_TEXT[p.state] ? p.state : "open";
    const status = $("pay-state");
    status.textContent = t(STATE_TEXT[state]);
    status.dataset.state = state;
    const link = $("pay-link");
    const url = p.pay_url ? safeUrl(p.pay_url) : null;
    // Until it is paid the link starts a fresh checkout of the same request: after a failed or cancelled
    // attempt, and while pending too (the provider's tab may have been closed without an answer).
    const payable = state !== "paid" && url;
    link.hidden = !payable;
    if (payable) link.href = url;
    else link.removeAttribute("href");
    document.body.dataset.payment = state;
  }
}

export class Certificate {
  constructor(token) {
    this.token = token;
    this.issued = null;
    $("cert-download").addEventListener("click", () => this.download());
  }

  update(msg) {
    this.issued = msg;
    const verify = $("cert-verify");
    const url = msg.verify_url ? safeUrl(msg.verify_url) : null;
    verify.hidden = !url;
    if (url) verify.href = url;
    $("cert-id").textContent = msg.document_id ? t("Prüfnummer: {id}", { id: msg.document_id }) : "";
    document.body.dataset.issued = String(msg.document_id ?? "1");
  }

  async download() {
    const msg = $("cert-msg");
    msg.textContent = "";
    const button = $("cert-download");
    button.disabled = true;
    try {
      await saveFile(this.issued?.url || "/api/v1/case/certificate", this.token, `Bescheinigung-${this.issued?.document_id || ""}.pdf`);
    } catch (err) {
      msg.textContent = err.message;
    }
    button.disabled = false;
  }
}
