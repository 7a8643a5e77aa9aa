import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULT_SETTINGS, isConfigured, loadSettings, matchesSite, parseSites } from "../lib/settings.js";

test("automatic capture matches listed sites and their subdomains only", () => {
  const sites = ["example.org", "https://docs.python.org/3/", "*.mozilla.org"];
  assert.ok(matchesSite("https://example.org/a", sites));
  assert.ok(matchesSite("https://blog.example.org/a", sites));
  assert.ok(matchesSite("https://docs.python.org/3/library", sites));
  assert.ok(matchesSite("https://developer.mozilla.org/", sites));
  assert.ok(!matchesSite("https://notexample.org/", sites));
  assert.ok(!matchesSite("https://python.org/", sites));
  assert.ok(!matchesSite("file:///etc/example.org", sites));
  assert.ok(!matchesSite("not a url", sites));
  assert.ok(!matchesSite("https://example.org/", []));
});

test("sites are typed one per line or separated by commas", () => {
  assert.deepEqual(parseSites(" a.org\nb.org, a.org\n\n"), ["a.org", "b.org"]);
});

test("settings: defaults are filled in, nothing automatic by default", async () => {
  const storage = { get: async () => ({ settings: { endpoint: "http://x/xapi", identity: { email: "a@b.c" } } }) };
  const settings = await loadSettings(storage);
  assert.equal(settings.autoCapture, false);
  assert.equal(settings.identity.kind, "mbox");
  assert.equal(settings.identity.email, "a@b.c");
  assert.ok(!isConfigured(settings));
  assert.ok(isConfigured({ ...DEFAULT_SETTINGS, endpoint: "e", key: "k", secret: "s" }));
});

test("settings: connected by OAuth, the session's token is what counts, not a key", () => {
  const connected = { ...DEFAULT_SETTINGS, endpoint: "e", auth: "oauth" };
  assert.ok(isConfigured(connected, { accessToken: "t" }));
  assert.ok(!isConfigured(connected, null));
  assert.ok(!isConfigured({ ...connected, key: "k", secret: "s" }, null));
});
