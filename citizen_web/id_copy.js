// Consent to a copy of the ID card (PAuswG §20, docs/case.md "Ausweiskopie").
// The clerk asks with id_copy_request; this modal dialog asks the citizen and sends
// id_copy_consent {granted}. Escape or closing the dialog counts as "no": consent must be
// given, never assumed. Built with DOM calls and textContent only (CSP: no inline code or style).
// A page that reconnects (reload, network drop) finds an open question in the case snapshot
// (`id_copy_request: {at, expires_in_s}`) and asks again; an answered or lapsed one is not shown.
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
    this.question = null; // {at, expires_in_s} of the question on screen
    this.answeredAt = null; // the question this page answered (or saw lapse): a snapshot older than the answer must not re-ask
    this.timer = null;
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
    signaling.addEventListener("id_copy_request", (event) => this.ask(event.detail || {}));
    signaling.addEventListener("case", (event) => this.fromSnapshot(event.detail?.case || {}));
    // answered too late (the question is open for 2 minutes): the server refused the answer
    signaling.addEventListener("error", (event) => {
      if (event.detail?.ref !== "id_copy_consent") return;
      document.body.dataset.idCopy = "expired";
      this.announce(t(TEXTS.expired));
    });
  }

  // The snapshot after a (re)connect says whether a question is still open.
  fromSnapshot(c) {
    const open = c.id_copy_request;
    if (open && !c.erased) {
      if (open.at !== this.answeredAt && (this.answered || this.question?.at !== open.at)) this.ask(open);
    } else if (!this.answered) {
      this.lapse(); // answered elsewhere or expired while this page was away
    }
  }

  ask(question = {}) {
    this.question = question;
    clearTimeout(this.timer);
    if (typeof question.expires_in_s === "number") {
      this.timer = setTimeout(() => this.lapse(), question.expires_in_s * 1000);
    }
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
    clearTimeout(this.timer);
    this.dialog.close();
    const sent = this.signaling.send("id_copy_consent", { granted });
    if (sent) this.answeredAt = this.question?.at ?? null;
    document.body.dataset.idCopy = sent ? (granted ? "granted" : "refused") : "failed";
    this.announce(t(sent ? (granted ? TEXTS.sentYes : TEXTS.sentNo) : TEXTS.failed));
  }

  // The call ended or the page lost its case: an open question is withdrawn without an answer.
  withdraw() {
    this.answered = true;
    clearTimeout(this.timer);
    if (this.dialog.open) this.dialog.close();
  }

  // The question is no longer open (2 minutes passed): close it unanswered and say so.
  lapse() {
    if (this.answered) return;
    this.answeredAt = this.question?.at ?? this.answeredAt; // done with it: a late snapshot does not re-ask
    this.withdraw();
    document.body.dataset.idCopy = "expired";
    this.announce(t(TEXTS.expired));
  }
}
