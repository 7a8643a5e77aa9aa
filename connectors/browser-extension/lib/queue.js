// The outbox: statements wait here (chrome.storage.local) until the LRS has them. Pure functions
// over a plain array, so the retry rules are tested under `node --test`.
// Each entry keeps the statement with the id it got at creation: resending is idempotent
// (https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#211-put-statements).

export const BASE_DELAY_MS = 30_000; // chrome.alarms fire at most every 30 s for a packed extension
export const MAX_DELAY_MS = 60 * 60_000;

/** How long to wait after the n-th failed attempt (n ≥ 1): 30 s doubling to an hour, ±10 % jitter. */
export function backoffMs(attempts, random = Math.random) {
  const exponent = Math.max(0, attempts - 1);
  const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(exponent, 20));
  return Math.round(delay * (0.9 + 0.2 * random()));
}

/**
 * What an HTTP answer to a statement PUT means for the queue.
 * - "sent": stored now, or already stored (204/200; 409 = this id is already in the LRS);
 * - "rejected": the LRS will never take this statement (400, 413): kept, shown, not retried by itself;
 * - "retry": the network, the server or the credentials may recover (everything else).
 */
export function outcome(status) {
  if (status === 409 || (status >= 200 && status < 300)) return "sent";
  if (status === 400 || status === 413) return "rejected";
  return "retry";
}

export function enqueue(queue, statement, now) {
  if (queue.some((entry) => entry.statement.id === statement.id)) return queue;
  return [...queue, { statement, attempts: 0, nextAttemptAt: now, lastError: null, rejected: false }];
}

/** Entries to try now, oldest first. `force` also takes the ones waiting for their backoff or rejected. */
export function due(queue, now, { force = false } = {}) {
  return queue.filter((entry) => force || (!entry.rejected && entry.nextAttemptAt <= now));
}

export function remove(queue, id) {
  return queue.filter((entry) => entry.statement.id !== id);
}

/** Record a failed attempt: the entry waits for its backoff, or is set aside when rejected. */
export function recordFailure(queue, id, { error, rejected = false, now, random = Math.random }) {
  return queue.map((entry) => {
    if (entry.statement.id !== id) return entry;
    const attempts = entry.attempts + 1;
    return { ...entry, attempts, lastError: error, rejected, nextAttemptAt: now + backoffMs(attempts, random) };
  });
}

/** When the retry alarm should fire next (null when nothing is waiting for a retry). */
export function nextAlarmAt(queue, now) {
  const waiting = queue.filter((entry) => !entry.rejected).map((entry) => entry.nextAttemptAt);
  if (!waiting.length) return null;
  return Math.max(now + 1000, Math.min(...waiting));
}

/** The badge: how many statements are not in the LRS yet ("" when none). */
export function badgeText(queue) {
  return queue.length ? String(Math.min(queue.length, 999)) : "";
}
