// The personal appointment page: details, the way into the waiting room, moving and cancelling.
import { loadTranslations, N_, pickLanguage, t } from "./i18n.js";
import { chip, whenText } from "./format.js";

const $ = (id) => document.getElementById(id);
const lang = pickLanguage();
const token = decodeURIComponent(location.pathname.split("/").pop());
const auth = { Authorization: `Bearer ${token}`, "Accept-Language": lang };
const STATE_TEXT = {
  booked: N_("Gebucht"), cancelled: N_("Abgesagt"), done: N_("Erledigt"), no_show: N_("Verfallen (nicht erschienen)"),
};

async function call(method, url, body) {
  const res = await fetch(url, { method, headers: { ...auth, "Content-Type": "application/json" },
                                  body: body ? JSON.stringify(body) : undefined });
  const data = await res.json();
  if (!res.ok) throw new Error((data.problems || [data]).map((p) => p.message).join(" "));
  return data;
}

function show(data) {
  const { appointment, service } = data;
  $("title").textContent = service ? service.name : t("Ihr Termin");
  $("when").textContent = whenText(appointment.start, lang);
  $("state").textContent = t(STATE_TEXT[appointment.status] || appointment.status);
  $("state").dataset.state = appointment.status;
  const active = appointment.status === "booked";
  $("change").hidden = !active;
  $("enter").hidden = !active;
  $("enter").href = data.waiting_room;
  $("opens").textContent = active ? t("Der Warteraum öffnet {when}.", { when: whenText(data.waiting_room_opens, lang) }) : "";
  document.body.dataset.status = appointment.status;
  return data;
}

async function offerSlots(data) {
  const service = data.appointment.service;
  const { days } = await call("GET", `/api/v1/services/${encodeURIComponent(service)}/days`);
  $("days").replaceChildren();
  for (const day of days) {
    const label = new Date(`${day.date}T12:00:00`).toLocaleDateString(lang, { weekday: "short", day: "numeric", month: "short" });
    $("days").append(chip(label, day.date, async () => {
      const { slots } = await call("GET", `/api/v1/services/${encodeURIComponent(service)}/slots?date=${day.date}`);
      $("slots").replaceChildren();
      for (const slot of slots) {
        const time = new Date(slot.start).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
        $("slots").append(chip(time, slot.start, () => move(slot.start)));
      }
    }));
  }
}

async function move(start) {
  if (!confirm(t("Termin auf {when} verschieben?", { when: whenText(start, lang) }))) return;
  try {
    show(await call("POST", "/api/v1/appointments/me/reschedule", { start }));
    $("message").textContent = t("Ihr Termin wurde verschoben. Sie erhalten eine E-Mail.");
  } catch (err) {
    $("message").textContent = err.message;
  }
}

$("cancel").addEventListener("click", async () => {
  if (!confirm(t("Wollen Sie den Termin wirklich absagen?"))) return;
  try {
    show(await call("DELETE", "/api/v1/appointments/me"));
    $("message").textContent = t("Ihr Termin wurde abgesagt. Sie erhalten eine E-Mail.");
  } catch (err) {
    $("message").textContent = err.message;
  }
});

await loadTranslations(lang);
const data = show(await call("GET", "/api/v1/appointments/me"));
if (data.appointment.status === "booked") await offerSlots(data);
document.body.dataset.ready = "1";
