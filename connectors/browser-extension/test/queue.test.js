import assert from "node:assert/strict";
import { test } from "node:test";

import {
  BASE_DELAY_MS, MAX_DELAY_MS, backoffMs, badgeText, due, enqueue, nextAlarmAt, notAccepted, outcome, recordFailure,
  remove, resend,
} from "../lib/queue.js";

const statement = (id) => ({ id, actor: {}, verb: {}, object: { id: "https://e.org" } });
const middle = () => 0.5;

test("backoff doubles from 30 s up to an hour, with at most 10 % jitter", () => {
  assert.equal(backoffMs(1, middle), BASE_DELAY_MS);
  assert.equal(backoffMs(2, middle), 2 * BASE_DELAY_MS);
  assert.equal(backoffMs(4, middle), 8 * BASE_DELAY_MS);
  assert.equal(backoffMs(50, middle), MAX_DELAY_MS);
  assert.equal(backoffMs(1, () => 0), 0.9 * BASE_DELAY_MS);
  assert.equal(backoffMs(1, () => 1), 1.1 * BASE_DELAY_MS);
});

test("answers: stored or already stored is sent; a 4xx but 408 and 429 is permanent; the rest is retried", () => {
  for (const status of [200, 204, 409]) assert.equal(outcome(status), "sent");
  for (const status of [400, 401, 403, 404, 405, 410, 413, 415, 422, 499]) assert.equal(outcome(status), "rejected");
  for (const status of [0, 408, 429, 500, 502, 503, 504]) assert.equal(outcome(status), "retry");
});

test("a statement is queued once, by its id", () => {
  let queue = enqueue([], statement("a"), 1000);
  queue = enqueue(queue, statement("a"), 2000);
  queue = enqueue(queue, statement("b"), 2000);
  assert.deepEqual(queue.map((e) => [e.statement.id, e.nextAttemptAt, e.attempts]), [["a", 1000, 0], ["b", 2000, 0]]);
  assert.equal(badgeText(queue), "2");
  assert.equal(badgeText([]), "");
  assert.deepEqual(remove(queue, "a").map((e) => e.statement.id), ["b"]);
});

test("a failure waits for its backoff; due() takes only what is due unless forced", () => {
  let queue = enqueue(enqueue([], statement("a"), 0), statement("b"), 0);
  queue = recordFailure(queue, "a", { error: "offline", now: 10_000, random: middle });
  assert.equal(queue[0].attempts, 1);
  assert.equal(queue[0].nextAttemptAt, 10_000 + BASE_DELAY_MS);
  assert.equal(queue[0].lastError, "offline");
  assert.deepEqual(due(queue, 10_000).map((e) => e.statement.id), ["b"]);
  assert.deepEqual(due(queue, 10_000 + BASE_DELAY_MS).map((e) => e.statement.id), ["a", "b"]);
  assert.deepEqual(due(queue, 10_000, { force: true }).map((e) => e.statement.id), ["a", "b"]);
  queue = recordFailure(queue, "a", { error: "offline", now: 50_000, random: middle });
  assert.equal(queue[0].nextAttemptAt, 50_000 + 2 * BASE_DELAY_MS);
});

test("a rejected statement is kept, listed as not accepted, never retried by itself, not on the badge", () => {
  let queue = enqueue(enqueue([], statement("a"), 0), statement("b"), 0);
  queue = recordFailure(queue, "a", { error: "403: not your actor", rejected: true, now: 0, random: middle });
  assert.equal(queue.length, 2);
  assert.deepEqual(notAccepted(queue).map((e) => [e.statement.id, e.lastError]), [["a", "403: not your actor"]]);
  assert.deepEqual(due(queue, 1e12).map((e) => e.statement.id), ["b"]);
  assert.deepEqual(due(queue, 0, { force: true }).map((e) => e.statement.id), ["b"]);
  assert.equal(badgeText(queue), "1");
  queue = remove(queue, "b");
  assert.equal(nextAlarmAt(queue, 0), null);
  assert.equal(badgeText(queue), "");
});

test("a not accepted statement can be resent with a fixed actor, or discarded", () => {
  let queue = enqueue([], statement("a"), 0);
  queue = recordFailure(queue, "a", { error: "403", rejected: true, now: 0, random: middle });
  const actor = { objectType: "Agent", mbox: "mailto:me@example.org" };
  const again = resend(queue, "a", { actor, now: 5 });
  assert.deepEqual(again[0].statement.actor, actor);
  assert.equal(again[0].statement.id, "a");
  assert.deepEqual([again[0].rejected, again[0].attempts, again[0].lastError, again[0].nextAttemptAt], [false, 0, null, 5]);
  assert.deepEqual(due(again, 5).map((e) => e.statement.id), ["a"]);
  assert.deepEqual(resend(queue, "a", { now: 5 })[0].statement.actor, {}); // without an actor: as it was
  assert.deepEqual(remove(queue, "a"), []);
});

test("the alarm is set for the earliest retry, never in the past", () => {
  let queue = enqueue(enqueue([], statement("a"), 0), statement("b"), 0);
  queue = recordFailure(queue, "a", { error: "x", now: 0, random: middle });
  assert.equal(nextAlarmAt(queue, 5_000), 6_000); // b is due now: in a second
  queue = recordFailure(queue, "b", { error: "x", now: 0, random: middle });
  assert.equal(nextAlarmAt(queue, 5_000), BASE_DELAY_MS);
  assert.equal(nextAlarmAt([], 0), null);
});
