// A small xAPI client over fetch, for any conformant LRS: HTTP Basic with a key and secret, or a
// bearer token from "Connect to Learnfolio" (settings.auth "oauth", settings.accessToken).
// https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md
import { sameAgent } from "./oauth.js";
import { buildActor } from "./statement.js";

export const XAPI_VERSION = "1.0.3";
const TIMEOUT_MS = 15_000;

/** The URL of an xAPI resource under the endpoint (which may or may not end with "/"). */
export function resourceUrl(endpoint, resource, params = {}) {
  const base = String(endpoint).trim().replace(/\/*$/, "/");
  const url = new URL(resource, base);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

function basicAuth(key, secret) {
  const bytes = new TextEncoder().encode(`${key}:${secret}`);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/** The Authorization header: the OAuth access token when connected, else the key and secret. */
export function authorization(settings) {
  if (settings.auth === "oauth") return `Bearer ${settings.accessToken}`;
  return basicAuth(settings.key, settings.secret);
}

function headers(settings, extra = {}) {
  return {
    "X-Experience-API-Version": XAPI_VERSION,
    Authorization: authorization(settings),
    ...extra,
  };
}

/** How an actor reads in a message: its address, or its account name on its home page. */
export function describeActor(actor) {
  if (actor.mbox) return actor.mbox.replace(/^mailto:/i, "");
  if (actor.account) return `${actor.account.name} on ${actor.account.homePage}`;
  return actor.openid || actor.mbox_sha1sum || JSON.stringify(actor);
}

async function errorText(response) {
  try {
    const body = await response.json();
    return body.message || JSON.stringify(body);
  } catch {
    return response.statusText || `HTTP ${response.status}`;
  }
}

/**
 * PUT one statement under its own id (idempotent: resending the same statement changes nothing).
 * Resolves to {status, error}; status 0 means the LRS could not be reached.
 */
export async function putStatement(settings, statement, fetchImpl = fetch) {
  let response;
  try {
    response = await fetchImpl(resourceUrl(settings.endpoint, "statements", { statementId: statement.id }), {
      method: "PUT",
      headers: headers(settings, { "Content-Type": "application/json" }),
      body: JSON.stringify(statement),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    return { status: 0, error: `the LRS cannot be reached (${error.message || error})` };
  }
  if (response.ok || response.status === 409) return { status: response.status, error: null };
  return { status: response.status, error: `${response.status}: ${await errorText(response)}` };
}

/**
 * Check the settings the way the extension uses them: /about (no credentials), an authenticated
 * read of one statement, then the identity. Connected by OAuth, `me` is what the LRS said the
 * token acts for (/oauth/userinfo): the configured actor must be one of that person's
 * identities. With a key, the Agents resource is asked about the actor: a personal key of
 * Learnfolio answers 403 for an identity that is not its person's. Resolves to {ok, text} lines.
 */
export async function testConnection(settings, fetchImpl = fetch, me = null) {
  const lines = [];
  try {
    const about = await fetchImpl(resourceUrl(settings.endpoint, "about"), {
      headers: { "X-Experience-API-Version": XAPI_VERSION },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!about.ok) return [{ ok: false, text: `${resourceUrl(settings.endpoint, "about")} answered ${about.status}` }];
    const body = await about.json();
    lines.push({ ok: true, text: `LRS reached; xAPI versions ${(body.version || []).join(", ")}` });
  } catch (error) {
    return [{ ok: false, text: `the LRS cannot be reached at ${settings.endpoint} (${error.message || error})` }];
  }
  const oauth = settings.auth === "oauth";
  const what = oauth ? `connected as ${me?.username || "you"}` : "key and secret";
  try {
    const read = await fetchImpl(resourceUrl(settings.endpoint, "statements", { limit: "1" }), {
      headers: headers(settings),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (read.ok) lines.push({ ok: true, text: `${what} accepted` });
    else if (read.status === 401) return [...lines, { ok: false, text: oauth ? "the connection was refused (401): connect to Learnfolio again" : "key or secret refused (401)" }];
    else if (read.status === 403) lines.push({ ok: true, text: `${what} accepted; it may not read statements (403), which is enough to send them` });
    else lines.push({ ok: false, text: `reading statements answered ${read.status}: ${await errorText(read)}` });
  } catch (error) {
    return [...lines, { ok: false, text: `the authenticated request failed (${error.message || error})` }];
  }
  lines.push(await checkIdentity(settings, fetchImpl, me));
  return lines;
}

async function checkIdentity(settings, fetchImpl, me) {
  let actor;
  try {
    actor = buildActor(settings.identity);
  } catch (error) {
    return { ok: false, text: `identity: ${error.message}` };
  }
  const who = describeActor(actor);
  if (settings.auth === "oauth") {
    if ((me?.identities || []).some((identity) => sameAgent(identity, actor))) {
      return { ok: true, text: `identity ${who} is yours (${me.username})` };
    }
    return { ok: false, text: `identity ${who} is not one of ${me?.username || "your"}'s verified identities; statements with it would be refused` };
  }
  try {
    const answer = await fetchImpl(resourceUrl(settings.endpoint, "agents", { agent: JSON.stringify(actor) }), {
      headers: headers(settings),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (answer.ok) return { ok: true, text: `identity ${who} accepted for this key` };
    if (answer.status === 403) return { ok: false, text: `this key may not act for ${who} (403): ${await errorText(answer)}` };
    return { ok: false, text: `the identity could not be checked (${answer.status}: ${await errorText(answer)})` };
  } catch (error) {
    return { ok: false, text: `the identity could not be checked (${error.message || error})` };
  }
}
