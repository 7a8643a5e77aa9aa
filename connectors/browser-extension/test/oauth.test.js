import assert from "node:assert/strict";
import { test } from "node:test";

import {
  OAuthError, authorizeUrl, challengeOf, codeFrom, discover, exchangeCode, identityOf, metadataUrl, randomString,
  refresh, sameAgent, whoAmI,
} from "../lib/oauth.js";

const META = {
  authorization_endpoint: "http://lrs.test/space/oauth/authorize",
  token_endpoint: "http://lrs.test/oauth/token",
  userinfo_endpoint: "http://lrs.test/oauth/userinfo",
  revocation_endpoint: "http://lrs.test/oauth/revoke",
};

function fakeFetch(answers) {
  const calls = [];
  const fetchImpl = async (url, init = {}) => {
    calls.push({ url, ...init });
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status });
  };
  return { calls, fetchImpl };
}

test("the S256 challenge of RFC 7636's own example", async () => {
  assert.equal(await challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  const verifier = randomString(48);
  assert.match(verifier, /^[A-Za-z0-9_-]{64}$/); // 43 to 128 unreserved characters (RFC 7636 §4.1)
  assert.notEqual(randomString(), randomString());
});

test("metadata is found at the xAPI endpoint's origin; an LRS without it is told plainly", async () => {
  assert.equal(metadataUrl("https://lrs.example.org/xapi/"), "https://lrs.example.org/.well-known/oauth-authorization-server");
  const found = fakeFetch([{ status: 200, body: META }]);
  assert.deepEqual(await discover("http://lrs.test/xapi/", found.fetchImpl), META);
  const none = fakeFetch([{ status: 404, body: {} }]);
  await assert.rejects(discover("http://other.test/xapi", none.fetchImpl), /does not offer “Connect to Learnfolio”/);
  const down = fakeFetch([new TypeError("Failed to fetch")]);
  await assert.rejects(discover("http://lrs.test/xapi", down.fetchImpl), /cannot be reached/);
});

test("the authorization request carries the client, the exact redirect URI, the scopes, state and the challenge", () => {
  const url = new URL(authorizeUrl(META, { redirectUri: "https://abc.chromiumapp.org/", challenge: "ch", state: "st" }));
  assert.equal(url.origin + url.pathname, META.authorization_endpoint);
  assert.deepEqual(Object.fromEntries(url.searchParams), {
    response_type: "code", client_id: "learnfolio-extension", redirect_uri: "https://abc.chromiumapp.org/",
    scope: "statements/write statements/read/mine state", state: "st", code_challenge: "ch", code_challenge_method: "S256",
  });
});

test("the code is taken only from an answer to this request", () => {
  assert.equal(codeFrom("https://abc.chromiumapp.org/?code=c0de&state=st", "st"), "c0de");
  assert.throws(() => codeFrom("https://abc.chromiumapp.org/?code=c0de&state=other", "st"), /state differs/);
  assert.throws(() => codeFrom("https://abc.chromiumapp.org/?error=access_denied&state=st", "st"), /did not allow/);
  assert.throws(() => codeFrom("https://abc.chromiumapp.org/?error=invalid_scope&state=st", "st"), /refused: invalid_scope/);
});

test("the code is exchanged with its verifier; tokens are kept with their expiry", async () => {
  const { calls, fetchImpl } = fakeFetch([{ status: 200, body: { access_token: "A", refresh_token: "R", expires_in: 3600, scope: "statements/write" } }]);
  const before = Date.now();
  const kept = await exchangeCode(META, { code: "c", verifier: "v", redirectUri: "https://abc.chromiumapp.org/" }, fetchImpl);
  assert.equal(calls[0].url, META.token_endpoint);
  assert.equal(calls[0].method, "POST");
  assert.deepEqual(Object.fromEntries(new URLSearchParams(calls[0].body)), {
    grant_type: "authorization_code", code: "c", redirect_uri: "https://abc.chromiumapp.org/",
    client_id: "learnfolio-extension", code_verifier: "v",
  });
  assert.equal(kept.accessToken, "A");
  assert.equal(kept.refreshToken, "R");
  assert.ok(kept.expiresAt >= before + 3540_000 && kept.expiresAt <= Date.now() + 3540_000);
  const refused = fakeFetch([{ status: 400, body: { error: "invalid_grant", error_description: "Code challenge failed." } }]);
  await assert.rejects(exchangeCode(META, { code: "c", verifier: "w", redirectUri: "x" }, refused.fetchImpl),
    (error) => error instanceof OAuthError && error.code === "invalid_grant" && /Code challenge failed/.test(error.message));
});

test("a refresh uses the refresh token once and keeps who the session is", async () => {
  const current = { tokenEndpoint: META.token_endpoint, userinfoEndpoint: META.userinfo_endpoint, accessToken: "A",
    refreshToken: "R", expiresAt: 0, actor: { mbox: "mailto:a@b.c" }, identities: [], username: "ann" };
  const { calls, fetchImpl } = fakeFetch([{ status: 200, body: { access_token: "A2", refresh_token: "R2", expires_in: 60 } }]);
  const next = await refresh(current, fetchImpl);
  assert.deepEqual(Object.fromEntries(new URLSearchParams(calls[0].body)),
    { grant_type: "refresh_token", refresh_token: "R", client_id: "learnfolio-extension" });
  assert.deepEqual([next.accessToken, next.refreshToken, next.username], ["A2", "R2", "ann"]);
  await assert.rejects(refresh({ ...current, refreshToken: null }), /connect to Learnfolio again/);
});

test("who am I: the bearer token goes to the userinfo endpoint", async () => {
  const { calls, fetchImpl } = fakeFetch([{ status: 200, body: { username: "ann" } }, { status: 401, body: { message: "revoked" } }]);
  assert.deepEqual(await whoAmI({ userinfoEndpoint: META.userinfo_endpoint, accessToken: "A" }, fetchImpl), { username: "ann" });
  assert.equal(calls[0].headers.Authorization, "Bearer A");
  await assert.rejects(whoAmI({ userinfoEndpoint: META.userinfo_endpoint, accessToken: "A" }, fetchImpl), /401: revoked/);
});

test("agents compare by their identifier; the server's actor becomes the options' identity", () => {
  const account = { objectType: "Agent", name: "ann", account: { homePage: "https://lrs.test/people", name: "ann" } };
  assert.ok(sameAgent(account, { account: { homePage: "https://lrs.test/people", name: "ann" } }));
  assert.ok(!sameAgent(account, { account: { homePage: "https://lrs.test/people", name: "bob" } }));
  assert.ok(sameAgent({ mbox: "mailto:Ann@Example.org" }, { mbox: "mailto:ann@example.org", name: "x" }));
  assert.ok(!sameAgent({ mbox: "mailto:ann@example.org" }, account));
  assert.deepEqual(identityOf(account), { kind: "account", name: "ann", email: "", homePage: "https://lrs.test/people", accountName: "ann" });
  assert.deepEqual(identityOf({ mbox: "mailto:ann@example.org" }), { kind: "mbox", name: "", email: "ann@example.org", homePage: "", accountName: "" });
});
