// Camera and microphone check: a preview, a level meter and a clear sentence
// when access was denied or no device exists.
import { t } from "./i18n.js";

export function describeMediaError(err) {
  switch (err && err.name) {
    case "NotAllowedError":
    case "SecurityError":
      return t("Sie haben den Zugriff auf Kamera und Mikrofon nicht erlaubt. Erlauben Sie ihn in den Einstellungen Ihres Browsers (meist über das Symbol links neben der Adresse) und versuchen Sie es erneut.");
    case "NotFoundError":
    case "OverconstrainedError":
      return t("Es wurde keine Kamera und kein Mikrofon gefunden. Schließen Sie ein Gerät an oder nutzen Sie ein Smartphone.");
    case "NotReadableError":
    case "AbortError":
      return t("Kamera oder Mikrofon werden gerade von einem anderen Programm benutzt. Schließen Sie es und versuchen Sie es erneut.");
    case "InsecureContext":
      return t("Kamera und Mikrofon funktionieren nur über eine sichere Verbindung (https).");
    default:
      return t("Kamera und Mikrofon konnten nicht gestartet werden.");
  }
}

// Try camera + microphone, then each alone, so a missing camera still allows a voice call.
export async function openDevices() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    const err = new Error("insecure"); err.name = "InsecureContext"; throw err;
  }
  const attempts = [
    { video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: true },
    { video: false, audio: true },
    { video: true, audio: false },
  ];
  let firstError = null;
  for (const constraints of attempts) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch (err) {
      firstError = firstError || err;
      if (err.name === "NotAllowedError" || err.name === "SecurityError") throw err;
    }
  }
  throw firstError;
}

export function meterLevel(stream, meter) {
  const track = stream.getAudioTracks()[0];
  if (!track || !window.AudioContext) return () => {};
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 512;
  ctx.createMediaStreamSource(stream).connect(analyser);
  const data = new Uint8Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getByteTimeDomainData(data);
    let peak = 0;
    for (const v of data) peak = Math.max(peak, Math.abs(v - 128) / 128);
    meter.value = peak;
  }, 150);
  return () => { clearInterval(timer); ctx.close(); };
}
