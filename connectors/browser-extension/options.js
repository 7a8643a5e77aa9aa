import { api } from "./lib/browser.js";
import { describeActor } from "./lib/lrs.js";
import { identityOf } from "./lib/oauth.js";
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

let session = null; // whom "Connect to Learnfolio" connected, when it did

function fromForm() {
  return {
    endpoint: $("endpoint").value.trim(),
    auth: session ? "oauth" : "key",
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

function showIdentity(identity) {
  $("name").value = identity.name;
  $("email").value = identity.email;
  $("home-page").value = identity.homePage;
  $("account-name").value = identity.accountName;
  document.querySelector(`input[name="kind"][value="${identity.kind}"]`).checked = true;
  showKind();
}

function showSession() {
  $("disconnect").hidden = !session;
  $("connect").textContent = session ? "Connect again" : "Connect to Learnfolio";
  $("connection").textContent = session
    ? `Connected as ${session.username}; statements are sent as ${describeActor(session.actor)} unless you choose another identity of yours below.`
    : "Learnfolio asks you to sign in and allow the extension; no key or secret to copy.";
  $("key-fields").open = !session && Boolean($("key").value);
}

function notAcceptedItem(entry) {
  const li = document.createElement("li");
  const what = document.createElement("span");
  what.textContent = `${entry.verb}: ${entry.title || entry.object}`;
  const why = document.createElement("span");
  why.className = "why";
  why.textContent = entry.lastError;
  const resend = document.createElement("button");
  resend.type = "button";
  resend.textContent = "Resend";
  resend.setAttribute("aria-label", `Resend “${entry.title || entry.object}” with the identity above`);
  resend.addEventListener("click", async () => {
    const answer = await api.runtime.sendMessage({ type: "resend", id: entry.id });
    if (answer.error && !answer.rejected) report([{ ok: false, text: answer.error }]);
    else report([answer.sent ? { ok: true, text: "Sent." } : { ok: false, text: `Still not accepted: ${answer.error}` }]);
    await showQueue();
  });
  const discard = document.createElement("button");
  discard.type = "button";
  discard.className = "secondary";
  discard.textContent = "Discard";
  discard.setAttribute("aria-label", `Discard “${entry.title || entry.object}”`);
  discard.addEventListener("click", async () => {
    await api.runtime.sendMessage({ type: "discard", id: entry.id });
    report([{ ok: true, text: "Discarded." }]);
    await showQueue();
  });
  const row = document.createElement("div");
  row.className = "row";
  row.append(resend, discard);
  li.append(what, why, row);
  return li;
}

async function showQueue() {
  const status = await api.runtime.sendMessage({ type: "queue-status" });
  const rejected = status.entries.filter((entry) => entry.rejected);
  $("queue").textContent = status.queued ? `${status.queued} statement(s) waiting to be sent.` : "";
  $("not-accepted").hidden = !rejected.length;
  $("not-accepted-list").replaceChildren(...rejected.map(notAcceptedItem));
}

async function init() {
  const settings = await loadSettings(storage);
  session = settings.auth === "oauth" ? await api.runtime.sendMessage({ type: "session" }) : null;
  $("endpoint").value = settings.endpoint;
  $("key").value = settings.key;
  $("secret").value = settings.secret;
  showIdentity(settings.identity);
  showSession();
  $("capture-time").checked = settings.captureTime;
  $("selection-menu").checked = settings.selectionMenu;
  $("auto-capture").checked = settings.autoCapture;
  $("auto-sites").value = settings.autoSites.join("\n");
  $("auto-min-seconds").value = settings.autoMinSeconds;
  await showQueue();
}

for (const radio of document.querySelectorAll('input[name="kind"]')) radio.addEventListener("change", showKind);

$("options").addEventListener("submit", async (event) => {
  event.preventDefault();
  const settings = fromForm();
  try {
    buildActor(settings.identity);
    if (settings.auth === "key" && !(settings.key && settings.secret)) {
      throw new Error("connect to Learnfolio, or give a key and secret");
    }
  } catch (error) {
    report([{ ok: false, text: `Not saved: ${error.message}.` }]);
    return;
  }
  await saveSettings(storage, settings);
  report([{ ok: true, text: "Saved." }]);
});

$("test").addEventListener("click", async () => {
  report([{ ok: true, text: "Testing…" }]);
  const answer = await api.runtime.sendMessage({ type: "test-connection", settings: fromForm() });
  report(answer.lines || [{ ok: false, text: answer.error }]);
});

$("connect").addEventListener("click", async () => {
  const endpoint = $("endpoint").value.trim();
  if (!$("endpoint").checkValidity() || !endpoint) {
    report([{ ok: false, text: "Enter your Learnfolio's xAPI endpoint first." }]);
    return;
  }
  report([{ ok: true, text: "Connecting: sign in and allow the extension in the window that opens…" }]);
  const answer = await api.runtime.sendMessage({ type: "connect", endpoint });
  if (answer.error) {
    report([{ ok: false, text: `Not connected: ${answer.error}` }]);
    return;
  }
  session = { ...answer, endpoint };
  showIdentity(identityOf(answer.actor));
  showSession();
  report([{ ok: true, text: `Connected as ${answer.username}.` }]);
});

$("disconnect").addEventListener("click", async () => {
  await api.runtime.sendMessage({ type: "disconnect" });
  session = null;
  showSession();
  report([{ ok: true, text: "Disconnected: give a key and secret, or connect again." }]);
});

init();
