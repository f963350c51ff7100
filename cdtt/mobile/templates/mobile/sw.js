/* CDTT phone app service worker: keeps the app's own files so that it opens without a network, and the
   small guide files so that they open without one too. Data never goes through this cache: it lives in
   IndexedDB (see app.js). */
const CACHE = "{{ version }}";
const ASSETS = {{ assets|safe }};
const GUIDES = "{{ guides_cache }}";
const GUIDES_PATH = "{{ guides_path }}";
const FILE_MAX = {{ file_max }};
const TOTAL_MAX = {{ total_max }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE && key !== GUIDES).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

/* The app sends the guides it holds after each sync: keep the files that fit (each at most FILE_MAX, all
   together at most TOTAL_MAX, in the order given), drop the ones no longer listed, then tell the app. */
async function keepGuides(files) {
  const cache = await caches.open(GUIDES);
  const wanted = new Set();
  let total = 0;
  for (const file of files) {
    if (!file.url.startsWith(GUIDES_PATH) || !file.size || file.size > FILE_MAX || total + file.size > TOTAL_MAX) continue;
    total += file.size;
    wanted.add(new URL(file.url, self.location.origin).href);
  }
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) await cache.delete(request);
  }
  for (const url of wanted) {
    if (await cache.match(url, { ignoreVary: true })) continue;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      // Never keep a sign-in page (a redirect) or an error in place of the guide.
      if (response.ok && !response.redirected) await cache.put(url, response);
    } catch (error) {
      // Offline or cut off: tried again after the next sync.
    }
  }
  const kept = (await cache.keys()).map((request) => request.url);
  for (const client of await self.clients.matchAll()) client.postMessage({ type: "guides-kept", urls: kept });
}

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "guides" && Array.isArray(event.data.files)) {
    event.waitUntil(keepGuides(event.data.files));
  }
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return;
  }
  if (url.pathname.startsWith(GUIDES_PATH)) {
    // A kept guide opens from the phone (its address changes when its file does); others need the network.
    event.respondWith(
      caches.open(GUIDES)
        .then((cache) => cache.match(event.request.url, { ignoreVary: true }))
        .then((hit) => hit || fetch(event.request))
    );
    return;
  }
  if (event.request.mode === "navigate" && url.pathname === "/app/") {
    // Stale-while-revalidate: the kept shell opens at once (a repeat visit on 3G waits on nothing), and
    // the newest one is fetched meanwhile for the next visit. The shell names nobody: who is signed in is
    // asked by the app itself (/app/phien/), so the kept copy never shows one user's data to another.
    event.respondWith(
      caches.open(CACHE).then(async (cache) => {
        const kept = await cache.match("/app/");
        const fresh = fetch(event.request).then((response) => {
          if (response.ok && !response.redirected && response.type === "basic") {
            return cache.put("/app/", response.clone()).then(() => response);
          }
          return response;
        });
        if (kept) {
          event.waitUntil(fresh.catch(() => undefined));
          return kept;
        }
        return fresh;
      })
    );
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(event.request)));
  }
});
