// The background of the extension: the outbox (queue, retries with backoff, badge), the
// context menu and automatic capture. Runs as a service worker in Chromium-based browsers and
// as a background script in Firefox (the same module).
import { api } from "./lib/browser.js";
import { putStatement } from "./lib/lrs.js";
import * as outbox from "./lib/queue.js";
import { isConfigured, loadSettings, matchesSite } from "./lib/settings.js";
import { buildStatement, suggestedVerb } from "./lib/statement.js";

const RETRY_ALARM = "learnfolio-retry";
const SELECTION_MENU = "learnfolio-save-selection";
const storage = api.storage.local;

// Every read-modify-write of the queue runs after the previous one, so two flushes (an alarm
// and a click) never send the same entry at the same time and no entry is overwritten.
let chain = Promise.resolve();
function serially(task) {
  const run = chain.then(task, task);
  chain = run.catch(() => {});
  return run;
}

async function readQueue() {
  return (await storage.get("queue")).queue || [];
}

async function writeQueue(queue) {
  await storage.set({ queue });
  await showQueue(queue);
}

async function showQueue(queue) {
  await api.action.setBadgeText({ text: outbox.badgeText(queue) });
  await api.action.setBadgeBackgroundColor({ color: queue.some((e) => e.rejected) ? "#b3261e" : "#5b4b8a" });
  const at = outbox.nextAlarmAt(queue, Date.now());
  if (at === null) await api.alarms.clear(RETRY_ALARM);
  else await api.alarms.create(RETRY_ALARM, { when: at });
}

/** Try every entry that is due (all of them with `force`); keep what fails. */
function flush({ force = false } = {}) {
  return serially(async () => {
    const settings = await loadSettings(storage);
    let queue = await readQueue();
    if (!isConfigured(settings)) return { queue, error: "the extension is not set up yet (options)" };
    let lastError = null;
    for (const entry of outbox.due(queue, Date.now(), { force })) {
      const { status, error } = await putStatement(settings, entry.statement);
      const result = outbox.outcome(status);
      if (result === "sent") queue = outbox.remove(queue, entry.statement.id);
      else {
        lastError = error;
        queue = outbox.recordFailure(queue, entry.statement.id, {
          error, rejected: result === "rejected", now: Date.now(),
        });
      }
      await storage.set({ queue }); // each answer is recorded before the next request
    }
    await writeQueue(queue);
    return { queue, error: lastError };
  });
}

/** Keep the statement first (so nothing is lost if the worker stops), then try to send the queue. */
async function capture(statement) {
  await serially(async () => writeQueue(outbox.enqueue(await readQueue(), statement, Date.now())));
  const { queue, error } = await flush();
  const waiting = queue.find((entry) => entry.statement.id === statement.id);
  return {
    sent: !waiting,
    rejected: Boolean(waiting?.rejected),
    error: waiting ? waiting.lastError || error : null,
    queued: queue.length,
  };
}

async function pageInfo(tab) {
  try {
    const info = await api.tabs.sendMessage(tab.id, { type: "page-info" });
    if (info) return info;
  } catch {
    // no content script in this tab (a browser page, or one opened before the extension)
  }
  return { url: tab.url, canonicalHref: null, title: tab.title, language: "", seconds: null, media: {} };
}

async function saveSelection(info, tab) {
  const settings = await loadSettings(storage);
  if (!settings.selectionMenu || !info.selectionText) return null;
  const page = tab ? await pageInfo(tab) : { url: info.pageUrl, title: "" };
  const statement = buildStatement({
    id: crypto.randomUUID(),
    timestamp: new Date().toISOString(),
    identity: settings.identity,
    verb: "read",
    pageUrl: page.url || info.pageUrl,
    canonicalHref: page.canonicalHref,
    title: page.title,
    language: page.language,
    quote: info.selectionText,
    seconds: settings.captureTime ? page.seconds : null,
  });
  return capture(statement);
}

async function autoCapture(page) {
  const settings = await loadSettings(storage);
  if (!settings.autoCapture || !matchesSite(page.url, settings.autoSites)) return null;
  if ((page.seconds || 0) < settings.autoMinSeconds) return null;
  return capture(buildStatement({
    id: crypto.randomUUID(),
    timestamp: new Date().toISOString(),
    identity: settings.identity,
    verb: suggestedVerb(page.media),
    pageUrl: page.url,
    canonicalHref: page.canonicalHref,
    title: page.title,
    language: page.language,
    seconds: settings.captureTime ? page.seconds : null,
  }));
}

let menuChain = Promise.resolve();
function setUpMenu() {
  menuChain = menuChain.then(async () => {
    await api.contextMenus.removeAll();
    const settings = await loadSettings(storage);
    if (settings.selectionMenu) {
      api.contextMenus.create({ id: SELECTION_MENU, title: "Save selection as learning", contexts: ["selection"] });
    }
  }).catch((error) => console.warn("context menu:", error));
  return menuChain;
}

const handlers = {
  capture: (message) => capture(message.statement),
  flush: () => flush({ force: true }).then(({ queue, error }) => ({ queued: queue.length, error })),
  "queue-status": async () => {
    const queue = await readQueue();
    return { queued: queue.length, entries: queue.map(({ statement, attempts, lastError, rejected }) =>
      ({ id: statement.id, object: statement.object.id, attempts, lastError, rejected })) };
  },
  "auto-capture-allowed": async (message) => {
    const settings = await loadSettings(storage);
    return { allowed: settings.autoCapture && matchesSite(message.url, settings.autoSites),
      minSeconds: settings.autoMinSeconds };
  },
  "auto-capture": (message) => autoCapture(message.page),
};

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const handler = handlers[message?.type];
  if (!handler) return false;
  handler(message, sender).then(sendResponse, (error) => sendResponse({ error: String(error.message || error) }));
  return true; // the answer comes asynchronously
});

api.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId === SELECTION_MENU) saveSelection(info, tab);
});
api.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === RETRY_ALARM) flush();
});
api.runtime.onInstalled.addListener(() => { setUpMenu(); flush(); });
api.runtime.onStartup.addListener(() => { setUpMenu(); flush(); });
api.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && changes.settings) { setUpMenu(); flush({ force: true }); }
});
globalThis.addEventListener?.("online", () => flush({ force: true }));

// For the end-to-end test, which cannot click a context menu: the same function the menu calls.
globalThis.learnfolio = { saveSelection, flush, capture };
