import assert from "node:assert/strict";
import { test } from "node:test";

import {
  BASE_DELAY_MS, MAX_DELAY_MS, backoffMs, badgeText, due, enqueue, nextAlarmAt, outcome, recordFailure, remove,
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

test("answers: stored or already stored is sent; a refused statement is set aside; the rest is retried", () => {
  for (const status of [200, 204, 409]) assert.equal(outcome(status), "sent");
  for (const status of [400, 413]) assert.equal(outcome(status), "rejected");
  for (const status of [0, 401, 403, 408, 429, 500, 502, 503]) assert.equal(outcome(status), "retry");
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

test("a rejected statement is kept but not retried by the alarm", () => {
  let queue = enqueue([], statement("a"), 0);
  queue = recordFailure(queue, "a", { error: "400: bad", rejected: true, now: 0, random: middle });
  assert.equal(queue.length, 1);
  assert.deepEqual(due(queue, 1e12), []);
  assert.equal(nextAlarmAt(queue, 0), null);
  assert.equal(due(queue, 0, { force: true }).length, 1);
});

test("the alarm is set for the earliest retry, never in the past", () => {
  let queue = enqueue(enqueue([], statement("a"), 0), statement("b"), 0);
  queue = recordFailure(queue, "a", { error: "x", now: 0, random: middle });
  assert.equal(nextAlarmAt(queue, 5_000), 6_000); // b is due now: in a second
  queue = recordFailure(queue, "b", { error: "x", now: 0, random: middle });
  assert.equal(nextAlarmAt(queue, 5_000), BASE_DELAY_MS);
  assert.equal(nextAlarmAt([], 0), null);
});
