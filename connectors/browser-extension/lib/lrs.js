// A small xAPI client over fetch, for any conformant LRS.
// https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md

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

function headers(settings, extra = {}) {
  return {
    "X-Experience-API-Version": XAPI_VERSION,
    Authorization: basicAuth(settings.key, settings.secret),
    ...extra,
  };
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
 * Check the settings the way the extension uses them: /about (no credentials), then an
 * authenticated read of one statement. Resolves to a list of {ok, text} lines to show.
 */
export async function testConnection(settings, fetchImpl = fetch) {
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
  try {
    const read = await fetchImpl(resourceUrl(settings.endpoint, "statements", { limit: "1" }), {
      headers: headers(settings),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (read.ok) lines.push({ ok: true, text: "key and secret accepted" });
    else if (read.status === 401) lines.push({ ok: false, text: "key or secret refused (401)" });
    else if (read.status === 403) lines.push({ ok: true, text: "key accepted; it may not read statements (403), which is enough to send them" });
    else lines.push({ ok: false, text: `reading statements answered ${read.status}: ${await errorText(read)}` });
  } catch (error) {
    lines.push({ ok: false, text: `the authenticated request failed (${error.message || error})` });
  }
  return lines;
}
