import { api } from "./lib/browser.js";
import { testConnection } from "./lib/lrs.js";
import { loadSettings, parseSites, saveSettings } from "./lib/settings.js";
import { buildActor } from "./lib/statement.js";

const $ = (id) => document.getElementById(id);
const storage = api.storage.local;

function report(lines) {
  $("status").replaceChildren(...lines.map(({ ok, text }) => {
    const p = document.createElement("p");
    p.className = ok ? "ok" : "bad";
    p.textContent = text;
    return p;
  }));
}

function kind() {
  return document.querySelector('input[name="kind"]:checked').value;
}

function showKind() {
  $("mbox-fields").hidden = kind() !== "mbox";
  $("account-fields").hidden = kind() !== "account";
}

function fromForm() {
  return {
    endpoint: $("endpoint").value.trim(),
    key: $("key").value.trim(),
    secret: $("secret").value,
    identity: {
      kind: kind(),
      name: $("name").value.trim(),
      email: $("email").value.trim(),
      homePage: $("home-page").value.trim(),
      accountName: $("account-name").value.trim(),
    },
    captureTime: $("capture-time").checked,
    selectionMenu: $("selection-menu").checked,
    autoCapture: $("auto-capture").checked,
    autoSites: parseSites($("auto-sites").value),
    autoMinSeconds: Math.max(0, Number($("auto-min-seconds").value) || 0),
  };
}

async function init() {
  const settings = await loadSettings(storage);
  $("endpoint").value = settings.endpoint;
  $("key").value = settings.key;
  $("secret").value = settings.secret;
  $("name").value = settings.identity.name;
  $("email").value = settings.identity.email;
  $("home-page").value = settings.identity.homePage;
  $("account-name").value = settings.identity.accountName;
  document.querySelector(`input[name="kind"][value="${settings.identity.kind}"]`).checked = true;
  $("capture-time").checked = settings.captureTime;
  $("selection-menu").checked = settings.selectionMenu;
  $("auto-capture").checked = settings.autoCapture;
  $("auto-sites").value = settings.autoSites.join("\n");
  $("auto-min-seconds").value = settings.autoMinSeconds;
  showKind();
  const status = await api.runtime.sendMessage({ type: "queue-status" });
  const rejected = status.entries.filter((entry) => entry.rejected);
  $("queue").textContent = status.queued
    ? `${status.queued} statement(s) waiting to be sent${rejected.length ? `; ${rejected.length} refused by the LRS (last: ${rejected.at(-1).lastError})` : ""}.`
    : "";
}

for (const radio of document.querySelectorAll('input[name="kind"]')) radio.addEventListener("change", showKind);

$("options").addEventListener("submit", async (event) => {
  event.preventDefault();
  const settings = fromForm();
  try {
    buildActor(settings.identity);
  } catch (error) {
    report([{ ok: false, text: `Not saved: ${error.message}.` }]);
    return;
  }
  await saveSettings(storage, settings);
  report([{ ok: true, text: "Saved." }]);
});

$("test").addEventListener("click", async () => {
  report([{ ok: true, text: "Testing…" }]);
  report(await testConnection(fromForm()));
});

init();
