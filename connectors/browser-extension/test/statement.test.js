import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ACTIVITY_TYPES, TAGS_EXTENSION, VERBS, buildActor, buildStatement, canonicalUrl, isoDuration, parseTags,
  suggestedVerb,
} from "../lib/statement.js";

const ada = { kind: "mbox", name: "Ada", email: "ada@example.org" };
const base = {
  id: "6f1a8f2e-4c7b-4f3e-9d51-0a1b2c3d4e5f", timestamp: "2026-03-01T10:00:00.000Z", identity: ada,
  verb: "read", pageUrl: "https://example.org/a?x=1#part", title: "A page",
};

test("canonical URL: the canonical link, else the URL, never a fragment", () => {
  assert.equal(canonicalUrl("https://e.org/a?utm=1#top", "https://e.org/article"), "https://e.org/article");
  assert.equal(canonicalUrl("https://e.org/a?utm=1#top", null), "https://e.org/a?utm=1");
  assert.equal(canonicalUrl("https://e.org/a/b#x", "../c#y"), "https://e.org/c");
  assert.equal(canonicalUrl("https://e.org/a#x", "javascript:alert(1)"), "https://e.org/a");
  assert.equal(canonicalUrl("https://e.org/a#x", "http://["), "https://e.org/a");
  assert.throws(() => canonicalUrl("", ""));
});

test("durations are ISO 8601, to the second", () => {
  assert.equal(isoDuration(0), "PT0S");
  assert.equal(isoDuration(59.6), "PT1M");
  assert.equal(isoDuration(61), "PT1M1S");
  assert.equal(isoDuration(3600 * 2 + 5), "PT2H5S");
  assert.equal(isoDuration(-3), "PT0S");
  assert.equal(isoDuration(undefined), "PT0S");
});

test("tags: comma separated, trimmed, without repeats or blanks", () => {
  assert.deepEqual(parseTags(" python, testing,,python , "), ["python", "testing"]);
  assert.deepEqual(parseTags(""), []);
});

test("the actor: mbox from an email, or an account", () => {
  assert.deepEqual(buildActor(ada), { objectType: "Agent", name: "Ada", mbox: "mailto:ada@example.org" });
  assert.deepEqual(buildActor({ kind: "mbox", email: "mailto:b@e.org" }), { objectType: "Agent", mbox: "mailto:b@e.org" });
  assert.deepEqual(buildActor({ kind: "account", name: "Ada", homePage: "https://lrs.example.org", accountName: "ada" }),
    { objectType: "Agent", name: "Ada", account: { homePage: "https://lrs.example.org", name: "ada" } });
  assert.throws(() => buildActor({ kind: "mbox", email: "not an email" }), /email/);
  assert.throws(() => buildActor({ kind: "account", homePage: "https://x.org" }), /account/);
});

test("a page read with everything", () => {
  const statement = buildStatement({
    ...base, canonicalHref: "https://example.org/a", language: "en-GB", note: "  Useful.  ",
    tags: "xapi, lrs", seconds: 754, rating: "4",
  });
  assert.deepEqual(statement, {
    id: base.id,
    timestamp: base.timestamp,
    actor: { objectType: "Agent", name: "Ada", mbox: "mailto:ada@example.org" },
    verb: VERBS.read,
    object: { objectType: "Activity", id: "https://example.org/a",
      definition: { type: ACTIVITY_TYPES.page, name: { "en-GB": "A page" } } },
    result: { response: "Useful.", duration: "PT12M34S", score: { raw: 4, min: 1, max: 5, scaled: 0.8 } },
    context: { platform: "Learnfolio browser extension", language: "en-GB", extensions: { [TAGS_EXTENSION]: ["xapi", "lrs"] } },
  });
});

test("a bare capture has no result and names its title in an undetermined language", () => {
  const statement = buildStatement({ ...base, language: "not a tag!" });
  assert.equal(statement.result, undefined);
  assert.deepEqual(statement.object.definition.name, { und: "A page" });
  assert.deepEqual(statement.context, { platform: "Learnfolio browser extension" });
  assert.equal(statement.object.id, "https://example.org/a?x=1");
});

test("activity types follow the verb; watched pages are videos", () => {
  assert.equal(buildStatement({ ...base, verb: "watched" }).object.definition.type, ACTIVITY_TYPES.video);
  assert.equal(buildStatement({ ...base, verb: "listened" }).object.definition.type, ACTIVITY_TYPES.audio);
  assert.equal(buildStatement({ ...base, verb: "bookmarked" }).object.definition.type, ACTIVITY_TYPES.page);
  assert.equal(buildStatement({ ...base, verb: "learned-from" }).verb.id, "http://adlnet.gov/expapi/verbs/experienced");
  assert.equal(suggestedVerb({ video: true }), "watched");
  assert.equal(suggestedVerb({ audio: true }), "listened");
  assert.equal(suggestedVerb({}), "read");
});

test("a selection is kept as a quote in result.response, before the note", () => {
  const statement = buildStatement({ ...base, quote: "  To be or not to be  ", note: "Hamlet" });
  assert.equal(statement.result.response, "To be or not to be\n\nHamlet");
});

test("ratings outside 1..5 are left out; a statement needs its id and a known verb", () => {
  assert.equal(buildStatement({ ...base, rating: "7" }).result, undefined);
  assert.equal(buildStatement({ ...base, rating: "" }).result, undefined);
  assert.throws(() => buildStatement({ ...base, verb: "liked" }), /unknown verb/);
  assert.throws(() => buildStatement({ ...base, id: undefined }), /id/);
});

test("the verbs in the statement are copies (a caller cannot change the table)", () => {
  const statement = buildStatement(base);
  statement.verb.display["en-US"] = "changed";
  assert.equal(VERBS.read.display["en-US"], "read");
});
