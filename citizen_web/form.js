// The form in the language the citizen picks: what the clerk fills in (and the ID card's data)
// read-only, what only the citizen knows (address, delivery, …) as inputs (form_edit.js).
// The citizen confirms one exact version; if the clerk changed something in
// the meantime, the server refuses (stale_version) and we say so clearly.
import { t } from "./i18n.js";
import { EditQueue, editable, holds, readValue, same } from "./form_edit.js";

const $ = (id) => document.getElementById(id);
export const FORM_LANGUAGES = ["de", "en", "tr", "ar", "uk", "ru"];

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text); // plain text, never HTML
  return node;
}

// Texts that fell back to German are marked so, for screen readers and bidi layout.
function markFallback(node, item, key) {
  if (item.fallback_de && item.fallback_de.includes(key)) {
    node.lang = "de";
    node.dir = "ltr";
  }
  return node;
}

function optionLabel(options, value) {
  const option = (options || []).find((o) => o.value === value);
  return option ? option.label : value;
}

function dateText(value, lang) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
  if (!m) return String(value);
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).toLocaleDateString(lang, { day: "2-digit", month: "2-digit", year: "numeric" });
}

// One value as a list of text lines (addresses have several).
export function valueLines(field, value, lang) {
  if (value === undefined || value === null || value === "") return [];
  switch (field.type) {
    case "date": return [dateText(value, lang)];
    case "select":
    case "nationality": return [optionLabel(field.options, value)];
    case "checkbox": return [value ? "✓" : "–"];
    case "signature": return [t("unterschrieben")];
    case "upload": return (Array.isArray(value) ? value : [value]).map((v) => v.name || v.id || "");
    case "address": return (field.parts || [])
      .filter((p) => value[p.id])
      .map((p) => `${p.label}: ${p.options ? optionLabel(p.options, value[p.id]) : value[p.id]}`);
    default: return [typeof value === "object" ? JSON.stringify(value) : String(value)];
  }
}

function fieldsOf(form) {
  const def = (form && form.definition) || form || {};
  return (def.sections || []).flatMap((s) => s.fields || []);
}

// Open errors other than the missing signature (that comes after the confirmation).
function openErrors(form) {
  const signatures = new Set(fieldsOf(form).filter((f) => f.type === "signature").map((f) => f.id));
  return (form.errors || []).filter((e) => !signatures.has(e.field));
}

function incomplete(form) { return openErrors(form).length > 0; }

// Copies what the citizen is typing into the freshly rendered control, so a form message
// arriving meanwhile does not take it away (nor the cursor).
function keepFocused(old, fresh) {
  if (!old || !fresh) return;
  if (old.type === "checkbox") fresh.checked = old.checked;
  else fresh.value = old.value;
  fresh.baseValue = old.baseValue;
  fresh.focus();
  try {
    if (typeof old.selectionStart === "number") fresh.setSelectionRange(old.selectionStart, old.selectionEnd, old.selectionDirection);
  } catch { /* date and select have no selection */ }
}

export class FormView {
  // `documents()`: the case's documents as the page knows them (for document fields of the form).
  constructor(signaling, documents = () => []) {
    this.documents = documents;
    this.signaling = signaling;
    this.form = null;
    this.disabled = false;
    this.view = $("form-view");
    this.msg = $("form-msg");
    this.lang = $("form-lang");
    this.confirm = $("form-confirm");
    this.edits = new EditQueue((field, value, version) => this.signaling.send("form_set", { field, value, version }), {
      form: () => this.form,
      onConflict: (entry) => this.conflict(entry),
      onChange: () => this.updateConfirm(),
    });
    this.lang.addEventListener("change", () => this.pickLanguage(this.lang.value));
    this.confirm.addEventListener("click", () => this.sendConfirm());
    // one listener for every control, also for those rendered later
    this.view.addEventListener("change", (event) => this.commit(event.target));
    this.view.addEventListener("focusout", (event) => {
      if (event.target.matches?.("input:not([type=checkbox]), textarea")) this.commit(event.target);
    });
    signaling.addEventListener("open", () => this.edits.reconnected());
  }

  pickLanguage(lang) {
    if (!FORM_LANGUAGES.includes(lang)) return;
    this.lang.value = lang;
    this.signaling.send("form_lang", { lang });
  }

  sendConfirm() {
    if (!this.form || this.edits.busy) return;
    this.msg.hidden = true;
    this.msg.dataset.code = "";
    this.confirm.disabled = true; // until the server's answer (a form or an error)
    if (!this.signaling.send("form_confirm", { version: this.form.version })) {
      this.confirm.disabled = false;
      this.show(t("Keine Verbindung. Bitte versuchen Sie es erneut."), "offline");
    }
  }

  field(id) { return fieldsOf(this.form).find((f) => f.id === id); }

  // A control changed (or lost focus): the citizen's value goes to the server.
  commit(control) {
    const id = control?.dataset?.field;
    const field = id && this.field(id);
    if (!field || this.disabled || !editable(field)) return;
    const value = readValue(this.view, field);
    if (value === undefined) return;
    if (!this.edits.edit(id, value, control.baseValue)) return;
    if (["offline", "refused", "conflict"].includes(this.msg.dataset.code)) { // an older problem: the new edit answers it
      this.msg.hidden = true;
      this.msg.dataset.code = "";
    }
    if (!this.signaling.ws || this.signaling.ws.readyState !== WebSocket.OPEN) {
      this.show(t("Keine Verbindung. Ihre Eingabe wird gesendet, sobald die Verbindung wieder steht."), "offline");
    }
  }

  updateConfirm() {
    if (!this.form) return;
    this.confirm.disabled = this.disabled || this.form.confirmed || incomplete(this.form) || this.edits.busy;
    this.view.dataset.pending = this.edits.busy ? "1" : "";
  }

  render(form) {
    this.form = form;
    this.edits.formArrived();
    const lang = form.lang || "de";
    this.lang.value = FORM_LANGUAGES.includes(lang) ? lang : "de";
    this.view.lang = lang;
    this.view.dir = form.dir || "ltr";
    this.view.dataset.version = String(form.version);
    this.redraw();
    $("form-version").textContent = t("Stand {version}", { version: form.version });
    const citizenMissing = openErrors(form).some((e) => { const f = this.field(e.field); return f && editable(f); });
    if (form.confirmed) {
      this.show(t("Sie haben diese Angaben bestätigt."), "confirmed", false);
    } else if (incomplete(form)) { // something is still missing: nothing to confirm yet
      if (!["stale_version", "conflict", "refused", "offline"].includes(this.msg.dataset.code)) {
        this.show(citizenMissing && !this.disabled
          ? t("Bitte ergänzen Sie die markierten Angaben. Sie werden sofort gespeichert.")
          : t("Das Formular ist noch nicht vollständig. Die Sachbearbeitung ergänzt es noch."), "incomplete", false);
      }
    } else if (this.msg.dataset.code === "confirmed") { // a confirmed form changed: confirm again
      this.show(t("Das Formular wurde geändert. Bitte prüfen Sie die Angaben und bestätigen Sie erneut."), "changed", false);
    } else if (this.msg.dataset.code === "incomplete") {
      this.msg.hidden = true;
      this.msg.dataset.code = "";
    }
    this.updateConfirm();
    document.body.dataset.formVersion = String(form.version);
  }

  // What the page shows for the field: the citizen's edit on its way, else the server's value.
  shownValues(form) {
    const values = { ...(form.values || {}) };
    for (const f of fieldsOf(form)) {
      const p = this.edits.pending(f.id);
      if (p) values[f.id] = p.value;
    }
    return values;
  }

  // The server sends the session snapshot with the localized definition in `definition`.
  content(form, lang) {
    const out = [];
    const def = form.definition || form;
    if (def.title) out.push(markFallback(el("h3", "form-title", def.title), def, "title"));
    if (def.description) out.push(markFallback(el("p", "small", def.description), def, "description"));
    const values = this.shownValues(form);
    const errors = new Map();
    for (const e of form.errors || []) {
      if (!errors.has(e.field)) errors.set(e.field, []);
      errors.get(e.field).push(e);
    }
    const signed = Boolean(form.signed);
    for (const section of def.sections || []) {
      const part = el("section", "form-section");
      if (section.title) part.append(markFallback(el("h4", "", section.title), section, "title"));
      if (section.help) part.append(markFallback(el("p", "small", section.help), section, "help"));
      const list = el("dl", "form-fields");
      for (const field of section.fields || []) {
        const input = editable(field) && !this.disabled && !signed;
        if (input && !holds(field.when, values)) continue; // does not apply to the current answers
        const lines = valueLines(field, values[field.id], lang);
        if (!input && !lines.length && field.when) continue;
        const fieldErrors = field.type === "signature" ? [] : errors.get(field.id) || [];
        const dd = el("dd");
        dd.dataset.row = field.id;
        let dt;
        if (input) {
          dt = el("dt");
          dd.classList.add("editable");
          this.controls(field, values, fieldErrors, dt, dd);
        } else {
          dt = markFallback(el("dt", "", field.label || field.id), field, "label");
          dd.dataset.field = field.id;
          if (!lines.length) dd.append(el("span", "missing", "—"));
          for (const line of lines) dd.append(el("span", "line", line));
          for (const e of fieldErrors) dd.append(el("span", "field-error", e.message));
        }
        if (dt.childNodes.length || !input) list.append(dt);
        list.append(dd);
      }
      part.append(list);
      out.push(part);
    }
    if (!def.sections) { // no definition sent: just the values
      const list = el("dl", "form-fields");
      for (const [key, value] of Object.entries(form.values || {})) list.append(el("dt", "", key), el("dd", "", valueLines({ type: "text" }, value, lang).join(", ")));
      out.push(list);
    }
    return out;
  }

  // The inputs of one field: label in the dt, control(s), help and the server's errors in the dd.
  controls(field, values, fieldErrors, dt, dd) {
    const id = `ff-${field.id}`;
    const value = values[field.id];
    const described = [];
    const help = field.help ? markFallback(el("span", "help small", field.help), field, "help") : null;
    if (help) { help.id = `${id}-help`; described.push(help.id); }
    const messages = fieldErrors.filter((e) => !e.part).map((e) => el("span", "field-error", e.message));
    messages.forEach((m, i) => { m.id = `${id}-err${i}`; described.push(m.id); });
    const mark = (control, invalid) => {
      control.dataset.field = field.id;
      control.baseValue = value ?? null;
      if (described.length) control.setAttribute("aria-describedby", described.join(" "));
      if (invalid) control.setAttribute("aria-invalid", "true");
      if (field.required) control.required = true;
      return control;
    };
    if (field.type === "address") {
      const label = markFallback(el("span", "", field.label || field.id), field, "label");
      label.id = `${id}-label`;
      dt.append(label);
      const group = el("div", "address-parts");
      group.setAttribute("role", "group");
      group.setAttribute("aria-labelledby", label.id);
      for (const p of field.parts || []) {
        const wrap = el("label", "part");
        wrap.append(markFallback(el("span", "part-label", p.label), p, "label"));
        let control;
        if (p.options) {
          control = el("select");
          control.append(el("option", "", "—"));
          control.lastChild.value = "";
          for (const o of p.options) { const opt = el("option", "", o.label); opt.value = o.value; control.append(opt); }
        } else {
          control = el("input");
          control.type = "text";
          control.dir = "auto";
          if (p.max_length) control.maxLength = p.max_length;
          control.autocomplete = { street: "address-line1", addition: "address-line2", postcode: "postal-code", town: "address-level2" }[p.id] || "off";
        }
        control.id = `${id}-${p.id}`;
        control.value = (value && value[p.id]) || "";
        const partErrors = fieldErrors.filter((e) => e.part === p.id);
        mark(control, partErrors.length > 0);
        control.dataset.part = p.id;
        control.required = Boolean(field.required && p.required);
        wrap.append(control);
        for (const e of partErrors) wrap.append(el("span", "field-error", e.message));
        group.append(wrap);
      }
      dd.append(group);
    } else if (field.type === "upload") {
      // A document field (e.g. the Wohnungsgeberbestätigung): the citizen picks one of their uploads.
      const files = this.documentsFor(field);
      const control = el("select");
      const none = el("option", "", "—");
      none.value = "";
      control.append(none);
      const chosen = (Array.isArray(value) ? value[0] : value)?.sha256;
      control.documents = new Map();
      for (const d of files) {
        const opt = el("option", "", d.name || String(d.id));
        opt.value = String(d.id);
        if (d.sha256 && d.sha256 === chosen) opt.selected = true;
        control.documents.set(opt.value, d);
        control.append(opt);
      }
      control.id = id;
      mark(control, messages.length > 0);
      const label = markFallback(el("label", "", field.label || field.id), field, "label");
      label.htmlFor = id;
      dt.append(label);
      dd.append(control);
      if (!files.length) dd.append(el("span", "help small", t("Laden Sie das Dokument unter „Dokumente“ hoch; dann können Sie es hier auswählen.")));
    } else if (field.type === "checkbox") {
      const control = mark(el("input"), messages.length > 0);
      control.type = "checkbox";
      control.id = id;
      control.checked = value === true;
      const label = el("label", "check");
      label.append(control, markFallback(el("span", "", field.label || field.id), field, "label"));
      dd.classList.add("wide"); // the label stands next to the box: no term column
      dd.append(label);
    } else {
      let control;
      if (field.type === "select" || field.type === "nationality") {
        control = el("select");
        const none = el("option", "", "—"); // language-neutral: the form may be in another language than the page
        none.value = "";
        control.append(none);
        for (const o of (field.options || []).filter((x) => holds(x.when, values))) {
          const opt = markFallback(el("option", "", o.label), o, "label");
          opt.value = o.value;
          control.append(opt);
        }
      } else if (field.type === "textarea") {
        control = el("textarea");
        control.rows = 3;
      } else {
        control = el("input");
        control.type = { date: "date", email: "email", phone: "tel", number: "number" }[field.type] || "text";
        if (control.type !== "date" && control.type !== "number") control.dir = "auto";
      }
      const c = field.constraints || {};
      if (c.max_length) control.maxLength = c.max_length;
      control.id = id;
      control.value = value ?? "";
      mark(control, messages.length > 0);
      const label = markFallback(el("label", "", field.label || field.id), field, "label");
      label.htmlFor = id;
      dt.append(label);
      dd.append(control);
    }
    if (help) dd.append(help);
    dd.append(...messages);
  }

  // Draw the form again without taking the input the citizen is typing in away from them.
  redraw() {
    const focused = this.view.contains(document.activeElement) ? document.activeElement : null;
    this.view.replaceChildren(...this.content(this.form, this.form.lang || "de"));
    if (focused?.dataset?.field) {
      const selector = `[data-field="${CSS.escape(focused.dataset.field)}"]` + (focused.dataset.part ? `[data-part="${CSS.escape(focused.dataset.part)}"]` : "");
      keepFocused(focused, this.view.querySelector(selector));
    }
  }

  documentsFor(field) {
    const accept = field.accept || [];
    return this.documents().filter((d) => d.from === "citizen" && d.kind === "upload" && (!accept.length || accept.includes(d.mime)));
  }

  // A new upload may be what a document field waits for: show it in the choice.
  documentsChanged() {
    const fields = this.form?.definition?.sections?.flatMap((s) => s.fields || []) || [];
    if (this.form && !this.disabled && fields.some((f) => f.type === "upload")) this.redraw();
  }

  // The clerk changed the field the citizen was editing: the clerk's value stays, the citizen hears which.
  conflict(entry) {
    const field = this.field(entry.field) || { id: entry.field, type: "text" };
    const typed = valueLines(field, entry.value, this.form?.lang || "de").join(", ") || "—";
    this.show(t("Die Sachbearbeitung hat „{field}“ gerade geändert. Ihre Eingabe „{value}“ wurde nicht übernommen. Bitte prüfen Sie die Angabe.",
      { field: field.label || field.id, value: typed }), "conflict");
    if (this.form) this.view.replaceChildren(...this.content(this.form, this.form.lang || "de"));
  }

  error(msg) {
    if (msg.ref === "form_set") {
      if (this.edits.refused(msg.code)) return; // sent again with the new version
      if (msg.code === "stale_version") this.show(t("Das Formular wurde gerade geändert und Ihre Eingabe konnte nicht gespeichert werden. Bitte prüfen Sie sie und geben Sie sie erneut ein."), "refused");
      else this.show(msg.message || t("Das hat nicht geklappt. Bitte versuchen Sie es erneut."), "refused");
      if (this.form) this.view.replaceChildren(...this.content(this.form, this.form.lang || "de"));
      this.updateConfirm();
      return;
    }
    this.updateConfirm();
    if (msg.code === "stale_version") {
      this.show(t("Das Formular wurde inzwischen geändert. Bitte prüfen Sie die neuen Angaben und bestätigen Sie dann erneut."), msg.code);
    } else if (msg.code === "not_ready") {
      this.show(msg.message || t("Das Formular ist noch nicht vollständig. Die Sachbearbeitung ergänzt es noch."), msg.code);
    } else {
      this.show(msg.message || t("Das hat nicht geklappt. Bitte versuchen Sie es erneut."), msg.code || "error");
    }
  }

  // After the call: the form stays readable, nothing can be entered any more.
  disable() {
    this.disabled = true;
    if (this.form) this.view.replaceChildren(...this.content(this.form, this.form.lang || "de"));
    this.updateConfirm();
  }

  show(text, code, isError = true) {
    this.msg.textContent = text;
    this.msg.dataset.code = code;
    this.msg.classList.toggle("error", isError);
    this.msg.hidden = false;
  }
}
