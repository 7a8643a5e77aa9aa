import assert from "node:assert/strict";
import { test } from "node:test";

import { putStatement, resourceUrl, testConnection } from "../lib/lrs.js";

const settings = { endpoint: "http://lrs.test/xapi", key: "kéy", secret: "s3cret" };

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

test("resource URLs work with or without a trailing slash", () => {
  assert.equal(resourceUrl("http://lrs.test/xapi", "about"), "http://lrs.test/xapi/about");
  assert.equal(resourceUrl("http://lrs.test/xapi/", "statements", { statementId: "x y" }),
    "http://lrs.test/xapi/statements?statementId=x+y");
});

test("a statement is PUT under its id with the version header and Basic auth", async () => {
  const { calls, fetchImpl } = fakeFetch([{ status: 204 }]);
  const answer = await putStatement(settings, { id: "abc" }, fetchImpl);
  assert.deepEqual(answer, { status: 204, error: null });
  assert.equal(calls[0].method, "PUT");
  assert.equal(calls[0].url, "http://lrs.test/xapi/statements?statementId=abc");
  assert.equal(calls[0].headers["X-Experience-API-Version"], "1.0.3");
  const decoded = new TextDecoder().decode(Uint8Array.from(atob(calls[0].headers.Authorization.slice(6)), (c) => c.charCodeAt(0)));
  assert.equal(decoded, "kéy:s3cret");
  assert.deepEqual(JSON.parse(calls[0].body), { id: "abc" });
});

test("409 (already stored) counts as sent; errors carry the LRS's message; a network failure is status 0", async () => {
  const { fetchImpl } = fakeFetch([{ status: 409, body: {} }, { status: 400, body: { message: "bad verb" } },
    new TypeError("Failed to fetch")]);
  assert.deepEqual(await putStatement(settings, { id: "a" }, fetchImpl), { status: 409, error: null });
  assert.deepEqual(await putStatement(settings, { id: "a" }, fetchImpl), { status: 400, error: "400: bad verb" });
  const offline = await putStatement(settings, { id: "a" }, fetchImpl);
  assert.equal(offline.status, 0);
  assert.match(offline.error, /Failed to fetch/);
});

const identity = { kind: "mbox", name: "Ann", email: "ann@example.org" };

test("test connection: /about, then an authenticated read, then the identity (Agents resource)", async () => {
  const ok = fakeFetch([{ status: 200, body: { version: ["1.0.3", "2.0.0"] } }, { status: 200, body: { statements: [] } },
    { status: 200, body: { objectType: "Person" } }]);
  const lines = await testConnection({ ...settings, identity }, ok.fetchImpl);
  assert.deepEqual(lines.map((l) => l.ok), [true, true, true]);
  assert.match(lines[0].text, /1\.0\.3, 2\.0\.0/);
  assert.equal(lines[1].text, "key and secret accepted");
  assert.equal(lines[2].text, "identity ann@example.org accepted for this key");
  assert.equal(ok.calls[0].headers.Authorization, undefined);
  assert.equal(ok.calls[1].url, "http://lrs.test/xapi/statements?limit=1");
  assert.deepEqual(JSON.parse(new URL(ok.calls[2].url).searchParams.get("agent")),
    { objectType: "Agent", name: "Ann", mbox: "mailto:ann@example.org" });

  const notMine = fakeFetch([{ status: 200, body: { version: ["1.0.3"] } }, { status: 200, body: { statements: [] } },
    { status: 403, body: { message: "a personal key reaches only its own person's identities" } }]);
  const [, , notMineLine] = await testConnection({ ...settings, identity }, notMine.fetchImpl);
  assert.deepEqual(notMineLine, { ok: false, text: "this key may not act for ann@example.org (403): a personal key reaches only its own person's identities" });

  const refused = fakeFetch([{ status: 200, body: { version: ["1.0.3"] } }, { status: 401, body: {} }]);
  assert.deepEqual((await testConnection(settings, refused.fetchImpl)).map((l) => l.ok), [true, false]);

  const down = fakeFetch([new TypeError("Failed to fetch")]);
  const [line] = await testConnection(settings, down.fetchImpl);
  assert.equal(line.ok, false);
});

test("connected by OAuth: a bearer token, and the identity checked against the person's own", async () => {
  const connected = { endpoint: "http://lrs.test/xapi", auth: "oauth", accessToken: "T0K", identity };
  const me = { username: "ann", identities: [{ mbox: "mailto:ann@example.org" }] };
  const ok = fakeFetch([{ status: 200, body: { version: ["2.0.0"] } }, { status: 200, body: { statements: [] } }]);
  const lines = await testConnection(connected, ok.fetchImpl, me);
  assert.equal(ok.calls[1].headers.Authorization, "Bearer T0K");
  assert.deepEqual(lines.slice(1), [{ ok: true, text: "connected as ann accepted" },
    { ok: true, text: "identity ann@example.org is yours (ann)" }]);
  assert.equal(ok.calls.length, 2); // the identity came from the server, not from another request

  const other = fakeFetch([{ status: 200, body: { version: ["2.0.0"] } }, { status: 200, body: { statements: [] } }]);
  const [, , line] = await testConnection({ ...connected, identity: { kind: "mbox", email: "bob@example.org" } }, other.fetchImpl, me);
  assert.equal(line.ok, false);
  assert.match(line.text, /bob@example\.org is not one of ann's verified identities/);

  const { calls, fetchImpl } = fakeFetch([{ status: 204 }]);
  await putStatement(connected, { id: "abc" }, fetchImpl);
  assert.equal(calls[0].headers.Authorization, "Bearer T0K");
});
