// Building xAPI statements from what a person captured on a page. Pure: no browser API here,
// so the same code runs in the extension and under `node --test`.
// Data model: https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#statements

/** The verbs the popup offers, by the key the popup uses. */
export const VERBS = {
  read: { id: "http://activitystrea.ms/schema/1.0/read", display: { "en-US": "read" } },
  watched: { id: "http://activitystrea.ms/schema/1.0/watch", display: { "en-US": "watched" } },
  listened: { id: "http://activitystrea.ms/schema/1.0/listen", display: { "en-US": "listened to" } },
  bookmarked: { id: "http://id.tincanapi.com/verb/bookmarked", display: { "en-US": "bookmarked" } },
  "learned-from": { id: "http://adlnet.gov/expapi/verbs/experienced", display: { "en-US": "learned from" } },
};

export const ACTIVITY_TYPES = {
  page: "http://activitystrea.ms/schema/1.0/page",
  video: "https://w3id.org/xapi/video/activity-type/video",
  audio: "https://w3id.org/xapi/audio/activity-type/audio",
};

export const TAGS_EXTENSION = "http://id.tincanapi.com/extension/tags";
export const PLATFORM = "Learnfolio browser extension";
export const RATING_MAX = 5;

const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

/** The activity id of a page: its canonical link when that is an http(s) URL, else its URL; never a fragment. */
export function canonicalUrl(pageUrl, canonicalHref) {
  for (const candidate of [canonicalHref, pageUrl]) {
    if (!candidate) continue;
    let url;
    try {
      url = new URL(candidate, pageUrl);
    } catch {
      continue;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:" && candidate !== pageUrl) continue;
    url.hash = "";
    return url.href;
  }
  throw new Error(`not a URL: ${pageUrl}`);
}

/** An ISO 8601 duration (xAPI result.duration) for a number of seconds, to the whole second. */
export function isoDuration(seconds) {
  let rest = Math.max(0, Math.round(Number(seconds) || 0));
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  rest -= minutes * 60;
  let text = "PT";
  if (hours) text += `${hours}H`;
  if (minutes) text += `${minutes}M`;
  if (rest || text === "PT") text += `${rest}S`;
  return text;
}

/** Tags typed as "a, b, a" → ["a", "b"]. */
export function parseTags(text) {
  const seen = new Set();
  for (const part of String(text || "").split(",")) {
    const tag = part.trim();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

/**
 * The statement's actor from the person's identity in the options: an email (mbox) or an
 * account on a homePage. Personal keys accept only statements whose actor is their person's.
 */
export function buildActor(identity) {
  const actor = { objectType: "Agent" };
  if (identity?.name) actor.name = identity.name.trim();
  if (identity?.kind === "account") {
    if (!identity.homePage || !identity.accountName) throw new Error("an account needs a homePage and a name");
    actor.account = { homePage: identity.homePage.trim(), name: identity.accountName.trim() };
  } else {
    const email = String(identity?.email || "").trim().replace(/^mailto:/i, "");
    if (!/^[^@\s:/]+@[^@\s/]+$/.test(email)) throw new Error("the identity needs a valid email address");
    actor.mbox = `mailto:${email}`;
  }
  return actor;
}

/** The activity type that fits a verb (a video for watched, audio for listened, else a page). */
export function activityTypeFor(verbKey) {
  if (verbKey === "watched") return ACTIVITY_TYPES.video;
  if (verbKey === "listened") return ACTIVITY_TYPES.audio;
  return ACTIVITY_TYPES.page;
}

/** The verb a page suggests: a page built around a video is watched, around audio listened to. */
export function suggestedVerb(media) {
  if (media?.video) return "watched";
  if (media?.audio) return "listened";
  return "read";
}

/**
 * A complete xAPI statement for one capture.
 *
 * @param {object} capture  {id, timestamp, identity, verb, pageUrl, canonicalHref, title, language,
 *                           note, tags, seconds, rating, quote}
 */
export function buildStatement(capture) {
  const verb = VERBS[capture.verb];
  if (!verb) throw new Error(`unknown verb ${capture.verb}`);
  if (!capture.id || !capture.timestamp) throw new Error("a statement needs its id and timestamp at creation");
  const language = LANGUAGE_TAG.test(capture.language || "") ? capture.language : "und";
  const title = String(capture.title || "").trim();
  const definition = { type: activityTypeFor(capture.verb) };
  if (title) definition.name = { [language]: title };
  const statement = {
    id: capture.id,
    timestamp: capture.timestamp,
    actor: buildActor(capture.identity),
    verb: structuredClone(verb),
    object: { objectType: "Activity", id: canonicalUrl(capture.pageUrl, capture.canonicalHref), definition },
  };
  const result = {};
  const response = [capture.quote && String(capture.quote).trim(), capture.note && String(capture.note).trim()]
    .filter(Boolean)
    .join("\n\n");
  if (response) result.response = response;
  if (capture.seconds !== undefined && capture.seconds !== null) result.duration = isoDuration(capture.seconds);
  const rating = Number(capture.rating);
  if (capture.rating && Number.isInteger(rating) && rating >= 1 && rating <= RATING_MAX) {
    result.score = { raw: rating, min: 1, max: RATING_MAX, scaled: rating / RATING_MAX };
  }
  if (Object.keys(result).length) statement.result = result;
  const context = { platform: PLATFORM };
  if (language !== "und") context.language = language;
  const tags = Array.isArray(capture.tags) ? capture.tags : parseTags(capture.tags);
  if (tags.length) context.extensions = { [TAGS_EXTENSION]: tags };
  statement.context = context;
  return statement;
}
