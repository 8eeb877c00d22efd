// Small helpers for dates, money and choice buttons; always text, never HTML.
export function whenText(iso, lang) {
  return new Date(iso).toLocaleString(lang, { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });
}

export function euro(cents, lang) {
  return new Intl.NumberFormat(lang, { style: "currency", currency: "EUR" }).format(cents / 100);
}

export function chip(label, value, onPick) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "chip";
  button.textContent = label;
  button.dataset.value = value;
  button.addEventListener("click", () => {
    for (const other of button.parentElement.children) other.classList.toggle("selected", other === button);
    onPick();
  });
  return button;
}

// A random key for Idempotency-Key headers (works on plain http too, unlike crypto.randomUUID).
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
