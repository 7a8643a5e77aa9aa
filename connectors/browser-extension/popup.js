import { api } from "./lib/browser.js";
import { isConfigured, loadSettings } from "./lib/settings.js";
import { buildStatement, canonicalUrl, parseTags, suggestedVerb } from "./lib/statement.js";

const $ = (id) => document.getElementById(id);
let page = null;
let settings = null;

function say(text, ok = true) {
  const span = document.createElement("span");
  span.className = ok ? "ok" : "bad";
  span.textContent = text;
  $("status").replaceChildren(span);
}

function showQueue(queued, notAccepted = 0) {
  const parts = [];
  if (queued) parts.push(`${queued} statement${queued === 1 ? "" : "s"} waiting to be sent.`);
  if (notAccepted) parts.push(`${notAccepted} not accepted by your LRS: see the options to fix and resend, or discard.`);
  $("queue").textContent = parts.join(" ");
  $("retry").hidden = !queued;
}

function minutesAndSeconds(total) {
  const minutes = Math.floor(total / 60);
  return minutes ? `${minutes} min ${total % 60} s` : `${total} s`;
}

/** The tab the popup is about: ?tab=ID (a keyboard shortcut or a test), else the active tab. */
async function targetTab() {
  const wanted = Number(new URLSearchParams(location.search).get("tab"));
  if (wanted) return api.tabs.get(wanted);
  const [tab] = await api.tabs.query({ active: true, currentWindow: true });
  return tab;
}

async function readPage(tab) {
  try {
    const info = await api.tabs.sendMessage(tab.id, { type: "page-info" });
    if (info) return info;
  } catch {
    // a browser page, or a page loaded before the extension: no content script there
  }
  return { url: tab.url, canonicalHref: null, title: tab.title, language: "", seconds: null, media: {} };
}

async function init() {
  settings = await loadSettings(api.storage.local);
  const session = settings.auth === "oauth" ? await api.runtime.sendMessage({ type: "session" }) : null;
  $("setup").hidden = settings.auth === "oauth" ? Boolean(settings.endpoint && session) : isConfigured(settings);
  const tab = await targetTab();
  page = await readPage(tab);
  $("title").value = page.title || "";
  try {
    $("url").value = canonicalUrl(page.url, page.canonicalHref);
  } catch {
    $("url").value = page.url || "";
  }
  $("verb").value = suggestedVerb(page.media);
  if (page.seconds === null || page.seconds === undefined) {
    $("include-time").checked = false;
    $("include-time").disabled = true;
  } else {
    $("time-spent").textContent = minutesAndSeconds(page.seconds);
    $("include-time").checked = settings.captureTime;
  }
  const status = await api.runtime.sendMessage({ type: "queue-status" });
  showQueue(status.queued, status.notAccepted);
  $("title").focus();
}

$("capture").addEventListener("submit", async (event) => {
  event.preventDefault();
  let statement;
  try {
    statement = buildStatement({
      id: crypto.randomUUID(),
      timestamp: new Date().toISOString(),
      identity: settings.identity,
      verb: $("verb").value,
      pageUrl: $("url").value,
      title: $("title").value,
      language: page.language,
      note: $("note").value,
      tags: parseTags($("tags").value),
      seconds: $("include-time").checked ? page.seconds : null,
      rating: $("rating").value,
    });
  } catch (error) {
    say(`Not saved: ${error.message}. Check the options.`, false);
    return;
  }
  $("send").disabled = true;
  const answer = await api.runtime.sendMessage({ type: "capture", statement });
  $("send").disabled = false;
  if (answer.sent) say("Saved to your learning record.");
  else if (answer.rejected) say(`Not accepted by your LRS: ${answer.error}. It is kept under “Not accepted” in the options.`, false);
  else say(`Kept on this computer; it will be sent when the LRS can be reached (${answer.error}).`, false);
  const status = await api.runtime.sendMessage({ type: "queue-status" });
  showQueue(status.queued, status.notAccepted);
});

$("retry").addEventListener("click", async () => {
  const answer = await api.runtime.sendMessage({ type: "flush" });
  showQueue(answer.queued);
  if (answer.queued) say(`Still waiting: ${answer.error || "not sent yet"}`, false);
  else say("Everything is in your learning record.");
});

init();
