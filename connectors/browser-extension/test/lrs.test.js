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

test("test connection: /about, then an authenticated read", async () => {
  const ok = fakeFetch([{ status: 200, body: { version: ["1.0.3", "2.0.0"] } }, { status: 200, body: { statements: [] } }]);
  const lines = await testConnection(settings, ok.fetchImpl);
  assert.deepEqual(lines.map((l) => l.ok), [true, true]);
  assert.match(lines[0].text, /1\.0\.3, 2\.0\.0/);
  assert.equal(ok.calls[0].headers.Authorization, undefined);
  assert.equal(ok.calls[1].url, "http://lrs.test/xapi/statements?limit=1");

  const refused = fakeFetch([{ status: 200, body: { version: ["1.0.3"] } }, { status: 401, body: {} }]);
  assert.deepEqual((await testConnection(settings, refused.fetchImpl)).map((l) => l.ok), [true, false]);

  const down = fakeFetch([new TypeError("Failed to fetch")]);
  const [line] = await testConnection(settings, down.fetchImpl);
  assert.equal(line.ok, false);
});
