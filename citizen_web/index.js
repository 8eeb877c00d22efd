// The start page: departments with their state, and joining the walk-in queue.
import { loadTranslations, N_, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const STATE_TEXT = { open: N_("geöffnet"), busy: N_("im Gespräch"), no_clerk: N_("geöffnet"), closed: N_("geschlossen") };

function showError(text) {
  $("error").textContent = text;
  $("error").hidden = !text;
}

async function loadDepartments() {
  const list = $("departments");
  try {
    const res = await fetch("/api/v1/departments");
    const { departments } = await res.json();
    list.replaceChildren();
    departments.filter((d) => d.walk_in).forEach((dept, i) => {
      const li = document.createElement("li");
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "radio"; input.name = "department"; input.value = dept.id; input.style.width = "auto";
      input.checked = i === 0; input.disabled = !dept.open;
      const name = document.createElement("span");
      name.textContent = dept.name;
      const badge = document.createElement("span");
      badge.className = `badge ${dept.state}`;
      badge.textContent = t(STATE_TEXT[dept.state] || dept.state) + (dept.open ? ` · ${t("{n} wartend", { n: dept.waiting })}` : "");
      label.append(input, name, badge);
      li.append(label);
      list.append(li);
    });
  } catch {
    showError(t("Die Abteilungen konnten nicht geladen werden. Bitte laden Sie die Seite neu."));
  }
}

$("join").addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  const department = new FormData(event.target).get("department");
  const name = $("name").value.trim();
  if (!department) return showError(t("Bitte wählen Sie eine geöffnete Abteilung."));
  if (!name) return showError(t("Bitte geben Sie Ihren Namen an"));
  $("submit").disabled = true;
  try {
    const res = await fetch("/api/v1/tickets", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ department, name }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(body.message || res.statusText);
    location.assign(body.url);
  } catch (err) {
    showError(t(err.message));
    $("submit").disabled = false;
  }
});

await loadTranslations();
await loadDepartments();
$("submit").disabled = false;
document.body.dataset.ready = "1";
