// The person's settings, kept in extension storage. `matchesSite` is pure (tested under node).

export const DEFAULT_SETTINGS = {
  endpoint: "",
  auth: "key", // "key": HTTP Basic with key and secret; "oauth": connected to Learnfolio (tokens kept apart)
  key: "",
  secret: "",
  identity: { kind: "mbox", name: "", email: "", homePage: "", accountName: "" },
  captureTime: true, // put the time spent on the page in result.duration
  selectionMenu: true, // the context menu "Save selection as learning"
  autoCapture: false, // nothing is captured without an action unless this is on
  autoSites: [], // host names (and their subdomains) captured automatically
  autoMinSeconds: 60, // ... once the page was visible this long
};

/** Whether a page's URL is on one of the listed sites ("example.org" covers "docs.example.org"). */
export function matchesSite(pageUrl, sites) {
  let host;
  try {
    const url = new URL(pageUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") return false;
    host = url.hostname.toLowerCase();
  } catch {
    return false;
  }
  return (sites || []).some((site) => {
    const wanted = String(site).trim().toLowerCase().replace(/^\*\./, "").replace(/^https?:\/\//, "").replace(/\/.*$/, "");
    return wanted && (host === wanted || host.endsWith(`.${wanted}`));
  });
}

/** Sites typed one per line (or separated by commas) → a clean list. */
export function parseSites(text) {
  return [...new Set(String(text || "").split(/[\s,]+/).map((s) => s.trim()).filter(Boolean))];
}

/** Whether statements can be sent: an endpoint, and a key and secret or a connection (`session`, kept apart). */
export function isConfigured(settings, session = null) {
  if (!settings.endpoint) return false;
  if (settings.auth === "oauth") return Boolean(session?.accessToken);
  return Boolean(settings.key && settings.secret);
}

export async function loadSettings(storage) {
  const { settings } = await storage.get("settings");
  return { ...DEFAULT_SETTINGS, ...(settings || {}), identity: { ...DEFAULT_SETTINGS.identity, ...(settings?.identity || {}) } };
}

export async function saveSettings(storage, settings) {
  await storage.set({ settings });
}
