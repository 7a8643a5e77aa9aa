// The background of the extension: the outbox (queue, retries with backoff, badge, the "not
// accepted" list), "Connect to Learnfolio" (OAuth tokens, refreshed here only), the context menu
// and automatic capture. Runs as a service worker in Chromium-based browsers and as a background
// script in Firefox (the same module).
import { api } from "./lib/browser.js";
import { putStatement, testConnection } from "./lib/lrs.js";
import {
  OAuthError, authorizeUrl, challengeOf, codeFrom, discover, exchangeCode, identityOf, randomString, refresh, whoAmI,
} from "./lib/oauth.js";
import * as outbox from "./lib/queue.js";
import { isConfigured, loadSettings, saveSettings, matchesSite } from "./lib/settings.js";
import { buildActor, buildStatement, suggestedVerb } from "./lib/statement.js";

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
  await api.action.setBadgeBackgroundColor({ color: "#5b4b8a" });
  const at = outbox.nextAlarmAt(queue, Date.now());
  if (at === null) await api.alarms.clear(RETRY_ALARM);
  else await api.alarms.create(RETRY_ALARM, { when: at });
}

// -- Connect to Learnfolio: the tokens are kept apart from the settings ("oauth" in storage) ------

async function readSession() {
  return (await storage.get("oauth")).oauth || null;
}

async function writeSession(session) {
  if (session) await storage.set({ oauth: session });
  else await storage.remove("oauth");
}

let refreshing = null;
/**
 * New tokens, one refresh at a time: each refresh token is used once, and the server ends the
 * whole connection when one is used twice (a stolen copy). `stale` is the access token that
 * failed: when another refresh has replaced it already, that one's tokens are used.
 */
function refreshSession(stale) {
  refreshing ??= (async () => {
    const current = await readSession();
    if (!current) throw new OAuthError("not connected to Learnfolio", "invalid_grant");
    if (current.accessToken !== stale) return current;
    const next = await refresh(current);
    await writeSession(next);
    return next;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** The settings to send with: connected, the access token (refreshed first when it has run out). */
async function withToken(settings) {
  if (settings.auth !== "oauth") return settings;
  let current = await readSession();
  if (current && current.expiresAt <= Date.now()) current = await refreshSession(current.accessToken).catch(() => current);
  return { ...settings, accessToken: current?.accessToken || "" };
}

/** PUT a statement; connected and answered 401, refresh the token once and try again. */
async function send(settings, statement) {
  const first = await withToken(settings);
  let answer = await putStatement(first, statement);
  if (answer.status === 401 && settings.auth === "oauth") {
    try {
      const next = await refreshSession(first.accessToken);
      answer = await putStatement({ ...settings, accessToken: next.accessToken }, statement);
    } catch (error) {
      if (!error.code) return { status: 0, error: error.message }; // the token endpoint was not reached: retry later
      answer = { status: 401, error: `401: the connection to Learnfolio has ended (${error.message}); connect again in the options` };
    }
  }
  return answer;
}

/** The whole "Connect to Learnfolio": discovery, consent in the LRS's own page, code and verifier, who I am. */
async function connect(endpoint) {
  const meta = await discover(endpoint);
  const verifier = randomString(48);
  const state = randomString(16);
  const redirectUri = api.identity.getRedirectURL();
  const url = authorizeUrl(meta, { redirectUri, challenge: await challengeOf(verifier), state });
  const redirectedTo = await api.identity.launchWebAuthFlow({ url, interactive: true });
  const session = await exchangeCode(meta, { code: codeFrom(redirectedTo, state), verifier, redirectUri });
  const me = await whoAmI(session);
  await writeSession({ ...session, endpoint, username: me.username, actor: me.actor, identities: me.identities });
  const settings = await loadSettings(storage);
  await saveSettings(storage, { ...settings, endpoint, auth: "oauth", identity: identityOf(me.actor) });
  return { username: me.username, actor: me.actor };
}

/** Forget the tokens and tell the LRS to end the connection (RFC 7009), if it can be reached. */
async function disconnect() {
  const current = await readSession();
  await writeSession(null);
  const settings = await loadSettings(storage);
  await saveSettings(storage, { ...settings, auth: "key" });
  if (current?.revocationEndpoint && current.refreshToken) {
    try {
      await fetch(current.revocationEndpoint, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: current.refreshToken, client_id: "learnfolio-extension" }).toString() });
    } catch {
      // offline: the connection stays listed in "My keys", where the person can revoke it
    }
  }
  return { disconnected: true };
}

/** "Test connection": connected, the server says whom the token acts for, and the actor is checked against that. */
async function checkConnection(settings) {
  if (settings.auth !== "oauth") return { lines: await testConnection(settings) };
  let current = await readSession();
  if (!current) return { lines: [{ ok: false, text: "not connected: use “Connect to Learnfolio”" }] };
  let me;
  try {
    try {
      me = await whoAmI(current);
    } catch (error) {
      if (error.status !== 401) throw error;
      current = await refreshSession(current.accessToken);
      me = await whoAmI(current);
    }
  } catch (error) {
    return { lines: [{ ok: false, text: `the connection does not work: ${error.message}` }] };
  }
  await writeSession({ ...current, username: me.username, actor: me.actor, identities: me.identities });
  return { lines: await testConnection({ ...settings, accessToken: current.accessToken }, fetch, me) };
}

/** Try every entry that is due (all that wait with `force`; never the not accepted); keep what fails. */
function flush({ force = false } = {}) {
  return serially(async () => {
    const settings = await loadSettings(storage);
    let queue = await readQueue();
    if (!isConfigured(settings, await readSession())) return { queue, error: "the extension is not set up yet (options)" };
    let lastError = null;
    for (const entry of outbox.due(queue, Date.now(), { force })) {
      const { status, error } = await send(settings, entry.statement);
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
    queued: queue.filter((entry) => !entry.rejected).length,
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

function waiting(queue) {
  return queue.filter((entry) => !entry.rejected).length;
}

/** Put a not accepted statement back, with the actor of the identity now in the options, and send. */
async function resend(id) {
  const settings = await loadSettings(storage);
  const actor = buildActor(settings.identity);
  await serially(async () => writeQueue(outbox.resend(await readQueue(), id, { actor, now: Date.now() })));
  const { queue } = await flush();
  const entry = queue.find((e) => e.statement.id === id);
  return { sent: !entry, rejected: Boolean(entry?.rejected), error: entry?.lastError || null };
}

const handlers = {
  capture: (message) => capture(message.statement),
  flush: () => flush({ force: true }).then(({ queue, error }) => ({ queued: waiting(queue), error })),
  "queue-status": async () => {
    const queue = await readQueue();
    return { queued: waiting(queue), notAccepted: outbox.notAccepted(queue).length,
      entries: queue.map(({ statement, attempts, lastError, rejected }) =>
        ({ id: statement.id, object: statement.object.id, title: Object.values(statement.object.definition?.name || {})[0] || "",
          verb: Object.values(statement.verb.display || {})[0] || statement.verb.id, attempts, lastError, rejected })) };
  },
  resend: (message) => resend(message.id),
  discard: (message) => serially(async () => {
    await writeQueue(outbox.remove(await readQueue(), message.id));
    return { discarded: message.id };
  }),
  connect: (message) => connect(message.endpoint),
  disconnect: () => disconnect(),
  session: async () => {
    const current = await readSession();
    return current ? { username: current.username, actor: current.actor, endpoint: current.endpoint } : null;
  },
  "test-connection": (message) => checkConnection(message.settings),
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
globalThis.learnfolio = { saveSelection, flush, capture, connect };
