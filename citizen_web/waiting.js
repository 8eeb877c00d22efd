// The waiting room: place in line, department state, device check, messages, and the call.
import { loadTranslations, N_, t } from "./i18n.js";
import { Signaling } from "./signaling.js";
import { describeMediaError, meterLevel, openDevices } from "./devices.js";
import { Call } from "./call.js";
import { estimateMinutes, Place } from "./queue.js";
import { startSlideshow } from "./slideshow.js";
import { startCase } from "./case.js";

const $ = (id) => document.getElementById(id);
const token = decodeURIComponent(location.pathname.split("/").pop());
const STATUS_TEXT = {
  open: N_("Die Abteilung ist geöffnet. Sie werden gleich aufgerufen."),
  busy: N_("Alle Sachbearbeiter/innen sind gerade im Gespräch. Bitte haben Sie etwas Geduld."),
  pause: N_("Die Sachbearbeitung macht eine kurze Pause. Ihr Platz bleibt erhalten."),
  no_clerk: N_("Die Abteilung ist geöffnet, gerade ist aber niemand am Schalter."),
  closed: N_("Die Abteilung ist gerade geschlossen."),
};
const CLOSED_TEXT = {
  no_show: N_("Sie wurden aufgerufen, waren aber nicht da. Bitte ziehen Sie eine neue Nummer oder buchen Sie einen Termin."),
  left: N_("Sie haben die Warteschlange verlassen."),
};
const ID_HINT_TEXT = {
  none: N_("Halten Sie Ihren Ausweis mit den Zeilen aus Zeichen und <<< (beim Personalausweis auf der Rückseite) in die Kamera."),
  closer: N_("Bitte halten Sie den Ausweis etwas näher an die Kamera."),
  steady: N_("Bitte halten Sie den Ausweis ruhig."),
  glare: N_("Es spiegelt: bitte den Ausweis etwas kippen."),
  reading: N_("Ausweis wird gelesen …"),
  read: N_("Danke, Ihr Ausweis wurde erkannt."),
};
const HANGUP_TEXT = {
  clerk: N_("Die Sachbearbeitung hat das Gespräch beendet. Vielen Dank!"),
  server: N_("Die Verbindung ist abgerissen; das Gespräch wurde beendet."),
};

let localStream = null;
let call = null;
let ended = false;
let status = null;
let countdownTimer = null;
let casePanel = null; // chat, documents, form, signature, fee: created once translations are loaded
const place = new Place();
const signaling = new Signaling("/api/v1/ws/citizen", token);
window.videoschalter = { signaling, place, get call() { return call; }, get localStream() { return localStream; }, get casePanel() { return casePanel; } };

function setStatus(next) {
  if (!next) return;
  status = next;
  const el = $("status");
  el.dataset.state = status.state;
  let text = t(STATUS_TEXT[status.state] || "");
  if (status.state === "closed" && status.next_opening) {
    text += " " + t("Nächste Öffnung: {when}", { when: new Date(status.next_opening).toLocaleString() });
  }
  el.textContent = text;
  showPlace();
}

function showPlace() {
  $("position").textContent = place.position ?? "–";
  $("waiting-count").textContent = place.waiting ?? "–";
  document.body.dataset.position = place.position ?? "";
  const minutes = estimateMinutes(status, place.position);
  const el = $("estimate");
  if (minutes === null || !status || status.state === "closed") el.textContent = "";
  else if (minutes === 0) el.textContent = t("Sie sind als Nächstes an der Reihe.");
  else el.textContent = t("Geschätzte Wartezeit: etwa {minutes} Minuten", { minutes });
}

function addAnnouncement(item) {
  const li = document.createElement("li");
  li.textContent = item.text; // plain text, never HTML
  if (item.personal) li.className = "personal";
  $("announcements").append(li);
}

function showEnded(text) {
  ended = true;
  for (const id of ["waiting", "call", "devices", "early", "pictures"]) $(id).hidden = true;
  $("ended").hidden = false;
  $("ended-msg").textContent = text;
  document.body.dataset.phase = "ended";
  if (casePanel) casePanel.ended();
}

function showEarly(msg) {
  $("waiting").hidden = true;
  $("early").hidden = false;
  $("early-service").textContent = `${msg.service} – ${new Date(msg.start).toLocaleString()}`;
  document.body.dataset.phase = "early";
  document.body.dataset.ready = "1";
  clearInterval(countdownTimer);
  const start = new Date(msg.start).getTime();
  const tick = () => {
    const left = Math.max(0, Math.round((start - Date.now()) / 1000));
    $("countdown").textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (left === 0) {
      clearInterval(countdownTimer);
      signaling.reconnectNow(); // at the slot the server puts us in line
    }
  };
  tick();
  countdownTimer = setInterval(tick, 1000);
}

async function startDevices() {
  $("device-msg").hidden = true;
  $("retry-devices").hidden = true;
  try {
    localStream = await openDevices();
    $("preview").srcObject = localStream;
    meterLevel(localStream, $("mic-level"));
    document.body.dataset.devices = "ok";
  } catch (err) {
    $("device-msg").textContent = describeMediaError(err);
    $("device-msg").hidden = false;
    $("retry-devices").hidden = false;
    document.body.dataset.devices = err.name || "error";
  }
}

let devicesReady = Promise.resolve(); // the call sends the camera, so it waits for the device check

async function startCall(callId, iceServers) {
  await devicesReady;
  if (call && call.callId === callId && !call.closed) return;
  if (call) call.close();
  call = new Call(signaling, callId, iceServers, localStream);
  $("waiting").hidden = true;
  $("pictures").hidden = true;
  $("call").hidden = false;
  $("call-msg").textContent = t("Verbindung wird aufgebaut …");
  document.body.dataset.phase = "call";
  call.addEventListener("remotestream", (event) => {
    const video = $("remote");
    if (video.srcObject === event.detail) return; // audio and video arrive as two tracks of one stream
    video.srcObject = event.detail;
    video.play().catch((err) => { if (err.name === "NotAllowedError") $("unmute").hidden = false; });
  });
  call.addEventListener("state", (event) => {
    const state = event.detail;
    if (state === "connected") $("call-msg").textContent = "";
    else if (state === "disconnected") $("call-msg").textContent = t("Die Verbindung ist gestört …");
    else if (state === "failed") {
      call.hangup("ice_failed");
      showEnded(t("Die Verbindung ist abgebrochen. Bitte öffnen Sie Ihren Link erneut."));
    }
  });
  await call.start();
}

function backToWaiting() {
  call = null;
  $("call").hidden = true;
  $("waiting").hidden = false;
  $("pictures").hidden = !$("slide").src;
  document.body.dataset.phase = "waiting";
}

const handlers = {
  welcome(msg) {
    $("connection").hidden = true;
    $("early").hidden = true;
    $("waiting").hidden = !!(call && !call.closed);
    $("number").textContent = msg.ticket.number;
    if (msg.department_name) $("dept-name").textContent = msg.department_name;
    place.reset(msg);
    setStatus(msg.status);
    if (msg.announcements) {
      $("announcements").replaceChildren();
      msg.announcements.forEach(addAnnouncement);
    }
    if (msg.transferred_to) addAnnouncement({ text: t("Sie wurden an {department} weitergeleitet. Ihr Platz richtet sich nach Ihrer Wartezeit.", { department: msg.transferred_to }), personal: true });
    document.body.dataset.ready = "1";
    if (!document.body.dataset.phase || document.body.dataset.phase === "early") document.body.dataset.phase = "waiting";
    if (msg.call_id && (!call || call.closed)) startCall(msg.call_id, msg.ice_servers);
  },
  queue_update(msg) {
    if (!place.apply(msg)) signaling.send("sync");
    if (msg.status) setStatus(msg.status);
    showPlace();
  },
  early: showEarly,
  status: (msg) => setStatus(msg),
  announcement: (msg) => addAnnouncement(msg),
  called: (msg) => startCall(msg.call_id, msg.ice_servers),
  answer(msg) { if (call && call.callId === msg.call_id) call.acceptAnswer(msg.sdp); },
  peer(msg) { if (call && !msg.online) $("call-msg").textContent = t("Die Verbindung zur Sachbearbeitung ist unterbrochen …"); },
  hangup(msg) {
    if (!call || call.callId !== msg.call_id) return;
    call.close();
    if (msg.reason === "clerk_connection_lost" || msg.reason === "transferred") return backToWaiting();
    if (msg.reason !== "no_show") showEnded(t(HANGUP_TEXT[msg.by] || "Das Gespräch ist beendet."));
  },
  id_hint(msg) {
    if (!call || call.callId !== msg.call_id || !ID_HINT_TEXT[msg.hint]) return;
    $("id-hint").textContent = t(ID_HINT_TEXT[msg.hint]);
    $("id-hint").dataset.hint = msg.hint;
    $("id-hint").hidden = false;
  },
  closed(msg) { showEnded(t(CLOSED_TEXT[msg.reason] || "Das Gespräch ist beendet.")); },
  pong(msg) {
    if (typeof msg.t !== "number") return;
    const rtt = Math.round(performance.now() - msg.t);
    const quality = rtt < 150 ? t("gut") : rtt < 400 ? t("mittel") : t("schwach");
    $("quality").textContent = t("Verbindung: {quality} ({ms} ms)", { quality, ms: rtt });
  },
  error(msg) { console.warn("signaling error", msg); },
};
for (const [type, handler] of Object.entries(handlers)) {
  signaling.addEventListener(type, (event) => handler(event.detail));
}
signaling.addEventListener("close", (event) => {
  if (ended) return;
  const code = event.detail.code;
  if (code === 4403) showEnded(t("Ihr Link ist ungültig oder abgelaufen."));
  else if (code === 4409) showEnded(t("Sie haben Ihren Link in einem anderen Fenster geöffnet."));
  else if (code === 4410) { if (!ended) showEnded(t("Sie haben die Warteschlange verlassen.")); }
  else {
    $("connection").textContent = t("Verbindung wird wiederhergestellt … Ihr Platz bleibt erhalten.");
    $("connection").hidden = false;
  }
});
signaling.addEventListener("open", () => signaling.send("ping", { t: performance.now() }));
setInterval(() => signaling.send("ping", { t: performance.now() }), 20000);

$("hangup").addEventListener("click", () => {
  if (call) call.hangup("citizen_hangup");
  showEnded(t("Sie haben das Gespräch beendet."));
});
$("leave").addEventListener("click", async () => {
  const res = await fetch("/api/v1/tickets/me", { method: "DELETE", headers: { Authorization: `Bearer ${token}` } });
  if (res.ok) { signaling.close(); showEnded(t("Sie haben die Warteschlange verlassen.")); }
});
$("retry-devices").addEventListener("click", () => { devicesReady = startDevices(); });
$("unmute").addEventListener("click", () => { $("remote").play(); $("unmute").hidden = true; });
window.addEventListener("pagehide", () => { if (call && !call.closed) call.hangup("page_closed"); });

await loadTranslations();
casePanel = startCase(signaling, token);
devicesReady = startDevices(); // the camera check and the place in line load side by side
signaling.connect();
await devicesReady;
startSlideshow($("slide"), $("slide-caption"), $("pictures"));
