// Consent to a copy of the ID card (PAuswG §20, docs/case.md "Ausweiskopie").
// The clerk asks with id_copy_request; this modal dialog asks the citizen and sends
// id_copy_consent {granted}. Escape or closing the dialog counts as "no": consent must be
// given, never assumed. Built with DOM calls and textContent only (CSP: no inline code or style).
import { N_, t } from "./i18n.js";

const TEXTS = {
  title: N_("Kopie Ihres Ausweises"),
  body: N_("Die Sachbearbeitung möchte eine Kopie Ihres Ausweises zur Akte nehmen. Die Kopie wird als Kopie gekennzeichnet und mit dem Vorgang gelöscht."),
  hint: N_("Sie können ablehnen. Ohne Ihre Einwilligung wird kein Bild Ihres Ausweises gespeichert."),
  yes: N_("Einverstanden"),
  no: N_("Nicht einverstanden"),
  sentYes: N_("Sie haben der Ausweiskopie zugestimmt."),
  sentNo: N_("Sie haben die Ausweiskopie abgelehnt. Es wird keine Kopie gespeichert."),
  failed: N_("Ihre Antwort konnte nicht gesendet werden. Die Sachbearbeitung kann erneut fragen."),
  expired: N_("Die Frage war nicht mehr offen. Es wird keine Kopie gespeichert; die Sachbearbeitung kann erneut fragen."),
};

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

export class IdCopyConsent {
  constructor(signaling, { announce = () => {} } = {}) {
    this.signaling = signaling;
    this.announce = announce; // a live region outside the dialog reads the outcome out
    this.answered = true;
    this.yes = el("button", { type: "button", id: "id-copy-yes" });
    this.no = el("button", { type: "button", id: "id-copy-no", className: "secondary" });
    this.title = el("h2", { id: "id-copy-title" });
    this.body = el("p", { id: "id-copy-body" });
    this.hint = el("p", { id: "id-copy-hint", className: "small" });
    this.dialog = el("dialog", { id: "id-copy-dialog", className: "consent-dialog" }, [
      this.title, this.body, this.hint, el("div", { className: "consent-buttons" }, [this.yes, this.no])]);
    this.dialog.setAttribute("aria-labelledby", "id-copy-title");
    this.dialog.setAttribute("aria-describedby", "id-copy-body id-copy-hint");
    this.yes.addEventListener("click", () => this.answer(true));
    this.no.addEventListener("click", () => this.answer(false));
    this.dialog.addEventListener("cancel", (event) => { event.preventDefault(); this.answer(false); });
    document.body.append(this.dialog);
    signaling.addEventListener("id_copy_request", () => this.ask());
    // answered too late (the question is open for 2 minutes): the server refused the answer
    signaling.addEventListener("error", (event) => {
      if (event.detail?.ref !== "id_copy_consent") return;
      document.body.dataset.idCopy = "expired";
      this.announce(t(TEXTS.expired));
    });
  }

  ask() {
    // texts are set on every request: the translations may have loaded after construction
    this.title.textContent = t(TEXTS.title);
    this.body.textContent = t(TEXTS.body);
    this.hint.textContent = t(TEXTS.hint);
    this.yes.textContent = t(TEXTS.yes);
    this.no.textContent = t(TEXTS.no);
    this.answered = false;
    document.body.dataset.idCopy = "asked";
    if (!this.dialog.open) this.dialog.showModal();
    this.no.focus(); // the safe choice has the focus: Enter alone does not consent
  }

  answer(granted) {
    if (this.answered) return;
    this.answered = true;
    this.dialog.close();
    const sent = this.signaling.send("id_copy_consent", { granted });
    document.body.dataset.idCopy = sent ? (granted ? "granted" : "refused") : "failed";
    this.announce(t(sent ? (granted ? TEXTS.sentYes : TEXTS.sentNo) : TEXTS.failed));
  }

  // The call ended or the page lost its case: an open question is withdrawn without an answer.
  withdraw() {
    this.answered = true;
    if (this.dialog.open) this.dialog.close();
  }
}
