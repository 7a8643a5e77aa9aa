// Learnfolio's service worker (lrs/web.py serves it at /space/sw.js; its scope is /space/).
//
// It makes the space installable and opens its pages with the stylesheet and script at hand. It
// keeps ONLY the layout's static files in its cache (stylesheet, script, icons, the offline
// notice), never a page: pages hold a person's records, are sent with Cache-Control: no-store,
// and on a shared device the next person must find nothing of the last one after a sign-out.
// Pages always come from the network; without one, the static offline notice answers.
const CACHE = "learnfolio-static-{{ version }}";
const STATIC = {{ static|tojson }};
const OFFLINE = {{ offline|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(STATIC)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  // caches of earlier versions go; so would anything a former version kept
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;  // forms, other sites: straight to the network, untouched
  }
  if (STATIC.includes(url.pathname)) {
    event.respondWith(caches.open(CACHE).then((cache) => cache.match(url.pathname))
      .then((kept) => kept || fetch(request)));
  } else if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.open(CACHE).then((cache) => cache.match(OFFLINE))));
  }
});
