// Runs in every page: it measures how long the page was visible and answers the popup's
// "page-info" question. It asks the extension's background whether the site is listed for
// automatic capture, and captures nothing by itself unless the person listed it.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  let visibleMs = 0;
  let visibleSince = document.visibilityState === "visible" ? performance.now() : null;
  let autoCaptured = false;

  function seconds() {
    const running = visibleSince === null ? 0 : performance.now() - visibleSince;
    return Math.round((visibleMs + running) / 1000);
  }

  function media() {
    const big = (el) => el.clientWidth * el.clientHeight > 0.1 * innerWidth * innerHeight;
    return {
      video: [...document.querySelectorAll("video")].some(big) ||
        document.querySelector('meta[property="og:type"][content^="video"]') !== null,
      audio: document.querySelector("audio") !== null,
    };
  }

  function info() {
    const canonical = document.querySelector('link[rel~="canonical"][href]');
    return {
      url: location.href,
      canonicalHref: canonical ? canonical.href : null,
      title: document.title,
      language: document.documentElement.lang || "",
      seconds: seconds(),
      selection: String(getSelection() || ""),
      media: media(),
    };
  }

  // Asked once per page, so that leaving the page needs a single message (a closing page
  // cannot wait for an answer).
  let rule = null;
  api.runtime.sendMessage({ type: "auto-capture-allowed", url: location.href })
    .then((answer) => { rule = answer; }, () => {});

  function maybeAutoCapture() {
    if (autoCaptured || !rule?.allowed || seconds() < rule.minSeconds) return;
    autoCaptured = true;
    api.runtime.sendMessage({ type: "auto-capture", page: info() }).catch(() => {});
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      visibleSince = performance.now();
    } else {
      if (visibleSince !== null) visibleMs += performance.now() - visibleSince;
      visibleSince = null;
      maybeAutoCapture();
    }
  });
  addEventListener("pagehide", maybeAutoCapture);

  api.runtime.onMessage.addListener((message, sender, sendResponse) => {
    if (message?.type !== "page-info") return false;
    sendResponse(info());
    return false;
  });
})();
