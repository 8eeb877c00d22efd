// Translations for the pages. German texts are the message ids; other
// languages come from the server's gettext catalogs (/api/v1/i18n/<lang>).
const RTL = new Set(["ar", "fa", "he", "ur"]);
let messages = {};

export function pickLanguage() {
  const fromUrl = new URLSearchParams(location.search).get("lang");
  if (fromUrl) { localStorage.setItem("lang", fromUrl); return fromUrl; }
  return localStorage.getItem("lang") || (navigator.language || "de").slice(0, 2).toLowerCase();
}

export async function loadTranslations(lang = pickLanguage()) {
  document.documentElement.lang = lang;
  document.documentElement.dir = RTL.has(lang) ? "rtl" : "ltr";
  if (lang !== "de") {
    try {
      const res = await fetch(`/api/v1/i18n/${encodeURIComponent(lang)}`);
      if (res.ok) messages = (await res.json()).messages;
    } catch { /* offline: stay German */ }
  }
  for (const el of document.querySelectorAll("[data-i18n]")) {
    const key = el.dataset.i18nKey || el.textContent.trim();
    el.dataset.i18nKey = key;
    el.textContent = t(key);
  }
}

// Marks a text for extraction without translating it yet (gettext's N_).
export const N_ = (text) => text;

// Translate and fill {placeholders}; always plain text, never HTML.
export function t(text, values = {}) {
  const template = messages[text] || text;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}
