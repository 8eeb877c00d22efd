// Booking an appointment: service → day → time → name and e-mail.
import { loadTranslations, pickLanguage, t } from "./i18n.js";
import { chip, euro, newKey, whenText } from "./format.js";

const $ = (id) => document.getElementById(id);
const lang = pickLanguage();
let services = [];
let chosenStart = null;
let idempotencyKey = newKey(); // a retry after a lost answer books nothing twice

function showError(text) {
  $("error").textContent = text;
  $("error").hidden = !text;
}

async function getJson(url) {
  const res = await fetch(url, { headers: { "Accept-Language": lang } });
  if (!res.ok) throw new Error((await res.json()).message || res.statusText);
  return res.json();
}

function currentService() {
  return services.find((s) => s.id === $("service").value);
}

async function showService() {
  const service = currentService();
  $("form").hidden = true;
  $("slots").replaceChildren();
  $("days").replaceChildren();
  chosenStart = null;
  const info = $("service-info");
  info.replaceChildren();
  const facts = document.createElement("p");
  facts.textContent = `${service.department_name} · ${t("{minutes} Minuten", { minutes: service.duration_min })}` +
    (service.fee_cents ? ` · ${t("Gebühr")}: ${euro(service.fee_cents, lang)}` : "");
  info.append(facts);
  if (service.documents.length) {
    const list = document.createElement("ul");
    for (const doc of service.documents) {
      const li = document.createElement("li");
      li.textContent = doc;
      list.append(li);
    }
    const head = document.createElement("p");
    head.textContent = t("Bitte halten Sie bereit:");
    info.append(head, list);
  }
  $("not-by-video").hidden = service.video;
  $("pick").hidden = !service.video;
  if (!service.video) {
    $("not-by-video").textContent = service.not_by_video_hint || t("Dieses Anliegen ist per Video nicht möglich.");
    return;
  }
  const { days } = await getJson(`/api/v1/services/${encodeURIComponent(service.id)}/days`);
  $("no-slots").hidden = days.length > 0;
  for (const day of days) {
    const label = new Date(`${day.date}T12:00:00`).toLocaleDateString(lang, { weekday: "short", day: "numeric", month: "short" });
    $("days").append(chip(label, day.date, () => showSlots(service, day.date)));
  }
  document.body.dataset.ready = "1";
}

async function showSlots(service, date) {
  const { slots } = await getJson(`/api/v1/services/${encodeURIComponent(service.id)}/slots?date=${date}`);
  $("slots").replaceChildren();
  for (const slot of slots) {
    const label = new Date(slot.start).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
    $("slots").append(chip(label, slot.start, () => choose(slot.start)));
  }
}

function choose(start) {
  chosenStart = start;
  $("chosen").textContent = `${currentService().name}: ${whenText(start, lang)}`;
  $("form").hidden = false;
  $("name").focus();
}

$("service").addEventListener("change", () => { idempotencyKey = newKey(); showService(); });
$("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  $("submit").disabled = true;
  try {
    const res = await fetch("/api/v1/appointments", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
      body: JSON.stringify({ service: currentService().id, start: chosenStart, name: $("name").value,
                             email: $("email").value, lang }),
    });
    const body = await res.json();
    if (!res.ok) {
      if (res.status === 409) { idempotencyKey = newKey(); await showService(); }
      throw new Error((body.problems || [body]).map((p) => p.message).join(" "));
    }
    $("form").hidden = true;
    $("pick").hidden = true;
    $("done").hidden = false;
    $("done-text").textContent = `${body.service.name}: ${whenText(body.appointment.start, lang)}`;
    $("done-link").href = body.url;
    document.body.dataset.booked = body.url;
  } catch (err) {
    showError(err.message);
  } finally {
    $("submit").disabled = false;
  }
});

await loadTranslations(lang);
({ services } = await getJson(`/api/v1/services?lang=${encodeURIComponent(lang)}`));
for (const service of services) {
  const option = document.createElement("option");
  option.value = service.id;
  option.textContent = service.name;
  $("service").append(option);
}
const wanted = new URLSearchParams(location.search).get("service");
if (wanted && services.some((s) => s.id === wanted)) $("service").value = wanted;
await showService();
