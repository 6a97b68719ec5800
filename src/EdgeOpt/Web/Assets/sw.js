// EdgeOpt service worker: the page works offline after one visit. The app shell is cached at install; onnxruntime-web's
// files as they are first used (in a cache named by its version, so a model update does not fetch them again); model
// files are content-addressed and served from the loader's verified cache. Pages and manifests go to the network first
// so updates are seen, with the cached copy as the offline fallback.
const VERSION = '__BUNDLE_VERSION__';
const SHELL = 'edgeopt-shell-' + VERSION;
const RUNTIME = 'edgeopt-runtime-__ORT_VERSION__';
const PRECACHE = __PRECACHE__;
const CONTENT_ADDRESSED = /\/[0-9a-f]{64}\.[a-z0-9]+$/;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      const ours = name.startsWith('edgeopt-shell-') || name.startsWith('edgeopt-runtime-');
      if (ours && name !== SHELL && name !== RUNTIME) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// The page names the runtime files of the backend it runs; they are stored (from the HTTP cache when fresh) so the next
// visit works offline. The reply says whether every file is kept.
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'keep-runtime') return;
  event.waitUntil((async () => {
    const cache = await caches.open(RUNTIME);
    let ok = true;
    for (const url of event.data.urls) {
      if (new URL(url).origin !== self.location.origin) continue;
      if (await cache.match(url)) continue;
      try {
        await cache.add(url);
      } catch (error) {
        ok = false;
      }
    }
    event.ports[0]?.postMessage({ ok });
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (CONTENT_ADDRESSED.test(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  } else if (url.pathname.includes('/ort/')) {
    event.respondWith(cacheFirst(request, RUNTIME));
  } else {
    event.respondWith(networkFirst(request));
  }
});

// Search ignored: the page imports a second copy of the runtime module as ort/….mjs?threads=N (power modes, app.js).
async function cacheFirst(request, cacheName) {
  const hit = await caches.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.status === 200) (await caches.open(cacheName)).put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok && response.status === 200) (await caches.open(SHELL)).put(request, response.clone());
    return response;
  } catch (error) {
    const hit = (await caches.match(request, { ignoreSearch: true }))
      || (request.mode === 'navigate' ? await caches.match('index.html') : undefined);
    if (hit) return hit;
    throw error;
  }
}
