// Runs in every page, and keeps everything to itself: it measures how long the page was visible
// and answers the popup's "page-info" question. It sends nothing by itself unless the person
// turned on automatic capture for this site (the background says so).
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

  async function maybeAutoCapture() {
    if (autoCaptured) return;
    const answer = await api.runtime.sendMessage({ type: "auto-capture-allowed", url: location.href });
    if (!answer?.allowed || seconds() < answer.minSeconds) return;
    autoCaptured = true;
    await api.runtime.sendMessage({ type: "auto-capture", page: info() });
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      visibleSince = performance.now();
    } else {
      if (visibleSince !== null) visibleMs += performance.now() - visibleSince;
      visibleSince = null;
      maybeAutoCapture().catch(() => {});
    }
  });
  addEventListener("pagehide", () => maybeAutoCapture().catch(() => {}));

  api.runtime.onMessage.addListener((message, sender, sendResponse) => {
    if (message?.type !== "page-info") return false;
    sendResponse(info());
    return false;
  });
})();
