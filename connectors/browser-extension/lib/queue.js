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
 * - "rejected": a 4xx other than 408 and 429 is permanent: the LRS will not take this statement as
 *   it is (an actor that is not the person's, a bad statement, refused credentials). It moves to
 *   the "not accepted" list with the LRS's message, to be fixed and resent, or discarded;
 * - "retry": the network, the server, a timeout (408) or a rate limit (429) may recover.
 */
export function outcome(status) {
  if (status === 409 || (status >= 200 && status < 300)) return "sent";
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return "rejected";
  return "retry";
}

export function enqueue(queue, statement, now) {
  if (queue.some((entry) => entry.statement.id === statement.id)) return queue;
  return [...queue, { statement, attempts: 0, nextAttemptAt: now, lastError: null, rejected: false }];
}

/** Entries to try now, oldest first. `force` also takes the ones waiting for their backoff; never the rejected. */
export function due(queue, now, { force = false } = {}) {
  return queue.filter((entry) => !entry.rejected && (force || entry.nextAttemptAt <= now));
}

/** The statements the LRS did not accept, each with its message: shown until resent or discarded. */
export function notAccepted(queue) {
  return queue.filter((entry) => entry.rejected);
}

/** Put a rejected entry back to be sent now, with its actor replaced when one is given (a fixed identity). */
export function resend(queue, id, { actor = null, now }) {
  return queue.map((entry) => {
    if (entry.statement.id !== id || !entry.rejected) return entry;
    const statement = actor ? { ...entry.statement, actor: structuredClone(actor) } : entry.statement;
    return { ...entry, statement, rejected: false, attempts: 0, lastError: null, nextAttemptAt: now };
  });
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

/** The badge: how many statements wait to be sent ("" when none); the not accepted are not counted. */
export function badgeText(queue) {
  const waiting = queue.filter((entry) => !entry.rejected).length;
  return waiting ? String(Math.min(waiting, 999)) : "";
}
