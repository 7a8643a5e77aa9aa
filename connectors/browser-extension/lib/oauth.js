// "Connect to Learnfolio": OAuth 2.0 authorization code with PKCE (RFC 6749 §4.1, RFC 7636) for
// a public client, as the extension runs it through chrome.identity.launchWebAuthFlow. Pure
// functions over fetch and Web Crypto, so the steps are tested under `node --test`.
// The server's endpoints come from its metadata (RFC 8414) at the xAPI endpoint's origin.

export const CLIENT_ID = "learnfolio-extension";
export const SCOPE = "statements/write statements/read/mine state";
const TIMEOUT_MS = 15_000;
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

function base64url(bytes) {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A random URL-safe string of `bytes` random bytes (a verifier, a state). */
export function randomString(bytes = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 code challenge of a verifier: BASE64URL(SHA-256(verifier)), RFC 7636 §4.2. */
export async function challengeOf(verifier) {
  return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
}

/** Where the server describes itself: /.well-known/oauth-authorization-server at the endpoint's origin. */
export function metadataUrl(endpoint) {
  return new URL("/.well-known/oauth-authorization-server", new URL(String(endpoint).trim())).href;
}

async function json(response, what) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: said below
  }
  if (!response.ok) {
    const reason = body?.error_description || body?.message || body?.error || response.statusText;
    throw new OAuthError(`${what} answered ${response.status}: ${reason}`, body?.error || null, response.status);
  }
  if (!body) throw new OAuthError(`${what} did not answer with JSON`);
  return body;
}

export class OAuthError extends Error {
  constructor(message, code = null, status = 0) {
    super(message);
    this.code = code; // the OAuth error code (invalid_grant …), when the server gave one
    this.status = status;
  }
}

/** The server's metadata; an LRS that is not Learnfolio (no metadata) cannot be connected this way. */
export async function discover(endpoint, fetchImpl = fetch) {
  let response;
  try {
    response = await fetchImpl(metadataUrl(endpoint), { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new OAuthError(`the LRS cannot be reached at ${endpoint} (${error.message || error})`);
  }
  if (response.status === 404) {
    throw new OAuthError("this LRS does not offer “Connect to Learnfolio”; use a key and secret");
  }
  const meta = await json(response, "the LRS's OAuth metadata");
  for (const name of ["authorization_endpoint", "token_endpoint", "userinfo_endpoint"]) {
    if (!meta[name]) throw new OAuthError(`the LRS's OAuth metadata has no ${name}`);
  }
  return meta;
}

/** The authorization request (RFC 6749 §4.1.1 with RFC 7636 §4.3). */
export function authorizeUrl(meta, { redirectUri, challenge, state, scope = SCOPE, clientId = CLIENT_ID }) {
  const url = new URL(meta.authorization_endpoint);
  const params = { response_type: "code", client_id: clientId, redirect_uri: redirectUri, scope, state,
    code_challenge: challenge, code_challenge_method: "S256" };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

/** The code from the URL the server redirected to; refuses a wrong state or an error answer. */
export function codeFrom(redirectedTo, expectedState) {
  const url = new URL(redirectedTo);
  const params = url.searchParams;
  if (params.get("state") !== expectedState) throw new OAuthError("the answer is not for this request (state differs)");
  if (params.get("error")) {
    const denied = params.get("error") === "access_denied";
    throw new OAuthError(denied ? "you did not allow the connection" : `the LRS refused: ${params.get("error_description") || params.get("error")}`,
      params.get("error"));
  }
  const code = params.get("code");
  if (!code) throw new OAuthError("the LRS answered without a code");
  return code;
}

async function tokenRequest(meta, form, fetchImpl) {
  let response;
  try {
    response = await fetchImpl(meta.token_endpoint, { method: "POST", headers: FORM, body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new OAuthError(`the LRS cannot be reached (${error.message || error})`);
  }
  return json(response, "the token endpoint");
}

/** Tokens as kept: with the time the access token stops working (a minute early). */
export function session(meta, token, now = Date.now()) {
  return {
    tokenEndpoint: meta.token_endpoint,
    userinfoEndpoint: meta.userinfo_endpoint,
    revocationEndpoint: meta.revocation_endpoint || null,
    accessToken: token.access_token,
    refreshToken: token.refresh_token || null,
    expiresAt: now + Math.max(0, (Number(token.expires_in) || 3600) - 60) * 1000,
    scope: token.scope || "",
  };
}

/** Exchange the code, with the verifier of its challenge (RFC 7636 §4.5). */
export async function exchangeCode(meta, { code, verifier, redirectUri, clientId = CLIENT_ID }, fetchImpl = fetch) {
  const token = await tokenRequest(meta, { grant_type: "authorization_code", code, redirect_uri: redirectUri,
    client_id: clientId, code_verifier: verifier }, fetchImpl);
  return session(meta, token);
}

/** New tokens for a session; each refresh token is used once (the server hands out a new one). */
export async function refresh(current, fetchImpl = fetch, clientId = CLIENT_ID) {
  if (!current?.refreshToken) throw new OAuthError("not connected: connect to Learnfolio again", "invalid_grant");
  const token = await tokenRequest({ token_endpoint: current.tokenEndpoint },
    { grant_type: "refresh_token", refresh_token: current.refreshToken, client_id: clientId }, fetchImpl);
  return { ...current, ...session({ token_endpoint: current.tokenEndpoint, userinfo_endpoint: current.userinfoEndpoint,
    revocation_endpoint: current.revocationEndpoint }, token), actor: current.actor, identities: current.identities,
  username: current.username };
}

/** Whom the token acts for: the person's actor and every verified identity of theirs. */
export async function whoAmI(current, fetchImpl = fetch) {
  let response;
  try {
    response = await fetchImpl(current.userinfoEndpoint, { headers: { Authorization: `Bearer ${current.accessToken}` },
      signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new OAuthError(`the LRS cannot be reached (${error.message || error})`);
  }
  return json(response, "the LRS (who am I)");
}

/** Whether two agents are the same by their inverse functional identifier (xAPI-Data.md §2.4.2.1). */
export function sameAgent(a, b) {
  if (!a || !b) return false;
  if (a.mbox || b.mbox) return String(a.mbox || "").toLowerCase() === String(b.mbox || "").toLowerCase();
  if (a.mbox_sha1sum || b.mbox_sha1sum) return a.mbox_sha1sum === b.mbox_sha1sum;
  if (a.openid || b.openid) return a.openid === b.openid;
  return Boolean(a.account && b.account && a.account.homePage === b.account.homePage && a.account.name === b.account.name);
}

/** The options' identity for an agent the server gave (an account or an e-mail address). */
export function identityOf(agent) {
  if (agent.account) {
    return { kind: "account", name: agent.name || "", email: "", homePage: agent.account.homePage, accountName: agent.account.name };
  }
  return { kind: "mbox", name: agent.name || "", email: String(agent.mbox || "").replace(/^mailto:/i, ""), homePage: "", accountName: "" };
}
