// EdgeOpt progressive model loader: fetches a package written by `edgeopt progressive` (manifest.json, a graph file and
// content-addressed weight chunks), verifies every file with SHA-256 (crypto.subtle) before it is used or cached, and
// keeps verified files in the Cache API so later visits load from disk. A bad file (corrupt, truncated, an HTML page
// served in its place, an HTTP error, a broken or stalled connection) is evicted and fetched again a limited number of
// times, waiting longer each time (or as long as a 429/503's Retry-After asks, capped), then the load fails with an
// error naming the file. A changed manifest drops cached files the new one no longer references.

export const FORMAT_VERSION = 1;
const CACHE_PREFIX = 'edgeopt-model-v';
const CACHE_NAME = CACHE_PREFIX + FORMAT_VERSION;
const CONTENT_ADDRESSED = /^[0-9a-f]{64}\.[a-z0-9]+$/;
const HTML_INSTEAD = 'the server answered an HTML page instead of binary data';

/** Thrown when a file cannot be loaded intact; `file` names it. */
export class ModelLoadError extends Error {
  constructor(file, message) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'ModelLoadError';
    this.file = file;
  }
}

/**
 * Loads the package at `baseUrl` (the folder holding manifest.json).
 * Options: onProgress({ loaded, total, fraction, file }), concurrency (parallel downloads, default 4),
 * maxAttempts (per file, default 3), signal (AbortSignal), stallTimeoutMs (an attempt that receives nothing for this
 * long is abandoned and retried; default 30000), maxRetryWaitMs (cap on the back-off and on Retry-After; default 30000).
 * Returns { manifest, graph: Uint8Array, externalData: [{ path, data }], stats, persisted } where `persisted` settles once
 * every verified file fetched from the network is stored in the Cache API.
 */
export async function loadModel(baseUrl, options = {}) {
  const { onProgress = () => {}, concurrency = 4, maxAttempts = 3, signal, stallTimeoutMs = 30000, maxRetryWaitMs = 30000 } = options;
  const retry = { maxAttempts, stallTimeoutMs, maxRetryWaitMs };
  const base = new URL(baseUrl, location.href);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const started = performance.now();
  const stats = {
    files: 0, loadedChunks: 0, fetched: 0, cacheHits: 0, retries: 0, invalidated: 0,
    bytesFetched: 0, bytesFromCache: 0, totalBytes: 0, seconds: 0, mbPerSecond: 0, rejected: [],
  };

  const cache = await openCache();
  const { manifest, text: manifestText } = await fetchManifest(base, cache);
  retry.manifestChanged = () => manifestChanged(base, manifestText);
  const files = [manifest.graph, ...[...manifest.chunks].sort((a, b) => a.priority - b.priority)];
  for (const f of files) checkEntry(f);
  stats.files = files.length;
  stats.totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  await dropStaleEntries(cache, base, files, stats);

  const done = new Map(files.map((f) => [f.file, 0]));
  const report = (file, bytes) => {
    done.set(file, bytes);
    let loaded = 0;
    for (const b of done.values()) loaded += b;
    onProgress({ loaded, total: stats.totalBytes, fraction: stats.totalBytes ? loaded / stats.totalBytes : 1, file });
  };

  const results = new Map();
  const writes = [];
  const queue = [...files];
  const worker = async () => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      results.set(entry.file, await loadFile(entry, new URL(entry.file, base).href, cache, stats, report, retry, signal, writes));
      if (entry !== manifest.graph) stats.loadedChunks++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, files.length)) }, worker));

  stats.seconds = (performance.now() - started) / 1000;
  stats.mbPerSecond = stats.seconds > 0 ? stats.totalBytes / 1e6 / stats.seconds : 0;
  return {
    manifest,
    graph: results.get(manifest.graph.file),
    externalData: manifest.chunks.map((c) => ({ path: c.file, data: results.get(c.file) })),
    stats,
    persisted: Promise.all(writes),
  };
}

async function openCache() {
  if (!('caches' in self)) return null; // not a secure context: load without a cache
  // Caches of other format versions can never be read again.
  for (const name of await caches.keys()) {
    if (name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME) await caches.delete(name);
  }
  return caches.open(CACHE_NAME);
}

// The manifest is always revalidated; offline, the copy kept with the last successful load is used.
async function fetchManifest(base, cache) {
  const url = new URL('manifest.json', base).href;
  let text;
  try {
    const response = await fetch(url, { cache: 'no-cache' });
    if (!response.ok) throw new ModelLoadError('manifest.json', `HTTP ${response.status} ${response.statusText}`);
    text = await response.text();
  } catch (error) {
    const kept = cache && (await cache.match(url));
    if (!kept) throw error instanceof ModelLoadError ? error : new ModelLoadError('manifest.json', `cannot be fetched (${error.message})`);
    text = await kept.text();
  }
  let manifest;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new ModelLoadError('manifest.json', text.trimStart().startsWith('<') ? 'the server answered HTML, not the manifest' : 'not valid JSON');
  }
  if (manifest.formatVersion !== FORMAT_VERSION) {
    throw new ModelLoadError('manifest.json', `format version ${manifest.formatVersion} is not supported; this loader reads ${FORMAT_VERSION}`);
  }
  if (!manifest.graph || !Array.isArray(manifest.chunks)) throw new ModelLoadError('manifest.json', 'has no graph or chunk list');
  if (cache) await cache.put(url, new Response(text, { headers: { 'Content-Type': 'application/json' } }));
  return { manifest, text };
}

// A manifest may only name plain files inside its folder.
function checkEntry(entry) {
  if (typeof entry.file !== 'string' || !/^[A-Za-z0-9._-]+$/.test(entry.file) || entry.file.startsWith('.')) {
    throw new ModelLoadError(String(entry.file), 'the manifest references a file outside its folder');
  }
  if (!/^[0-9a-f]{64}$/.test(entry.sha256) || !Number.isSafeInteger(entry.size) || entry.size < 0) {
    throw new ModelLoadError(entry.file, 'the manifest entry has no valid size or SHA-256');
  }
}

// Files of this package the new manifest no longer references (an older model version) are deleted.
async function dropStaleEntries(cache, base, files, stats) {
  if (!cache) return;
  const wanted = new Set(files.map((f) => new URL(f.file, base).href));
  for (const request of await cache.keys()) {
    const url = new URL(request.url);
    if (!request.url.startsWith(base.href) || wanted.has(request.url)) continue;
    const name = url.pathname.slice(base.pathname.length);
    if (CONTENT_ADDRESSED.test(name)) {
      await cache.delete(request);
      stats.invalidated++;
    }
  }
}

// Every file is checked against the hashes of the manifest the load began with, so versions never mix; this only tells
// "the package was replaced under the load" from a plain failure. One request: "cannot tell" counts as unchanged.
async function manifestChanged(base, text) {
  try {
    const response = await fetch(new URL('manifest.json', base).href, { cache: 'no-store' });
    return response.ok && (await response.text()) !== text;
  } catch {
    return false;
  }
}

async function loadFile(entry, url, cache, stats, report, retry, signal, writes) {
  const { maxAttempts } = retry;
  if (cache) {
    const kept = await cache.match(url);
    if (kept) {
      const bytes = new Uint8Array(await kept.arrayBuffer());
      if (bytes.length === entry.size && (await sha256Hex(bytes)) === entry.sha256) {
        stats.cacheHits++;
        stats.bytesFromCache += bytes.length;
        report(entry.file, bytes.length);
        return bytes;
      }
      await cache.delete(url); // a damaged cache entry must not survive to the next visit
      stats.rejected.push({ file: entry.file, reason: 'cached copy did not match its SHA-256' });
    }
  }

  let lastError;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      const bytes = await download(entry, url, report, signal, retry.stallTimeoutMs);
      const digest = await sha256Hex(bytes);
      if (digest !== entry.sha256) throw new Error(`SHA-256 mismatch (corrupt): expected ${entry.sha256}, got ${digest}`);
      // The Cache API write is slow (about as long as the download on localhost) and nothing waits for it but the next
      // visit: it runs alongside the remaining downloads and session creation; `persisted` settles when all are stored.
      if (cache) {
        const response = new Response(bytes, { headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length) } });
        writes.push(cache.put(url, response).catch((error) => console.warn(`${entry.file}: not cached (${error.message})`)));
      }
      stats.fetched++;
      stats.bytesFetched += bytes.length;
      report(entry.file, bytes.length);
      return bytes;
    } catch (error) {
      if (signal?.aborted) throw error;
      lastError = error;
      stats.rejected.push({ file: entry.file, reason: error.message });
      report(entry.file, 0);
      // A file that is gone (404/410), or fails for good, may belong to a package replaced while this load ran.
      if ((error.status === 404 || error.status === 410 || attempt === maxAttempts) && (await retry.manifestChanged())) {
        throw new ModelLoadError(entry.file, `${error.message}; manifest.json changed while this load ran (the package was replaced): reload`);
      }
      if (attempt < maxAttempts) {
        stats.retries++;
        // Doubling back-off, or what a 429/503 asked for, never past the cap.
        const wait = Math.min(Math.max(100 * 2 ** (attempt - 1), error.retryAfterMs ?? 0), retry.maxRetryWaitMs);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
  throw new ModelLoadError(entry.file, `${lastError.message} (gave up after ${maxAttempts} attempts)`);
}

// Streams the body so progress moves while a large chunk arrives, and rejects what cannot be the file. An attempt that
// receives nothing for stallTimeoutMs (headers or body) is aborted through its own controller, so the caller's signal
// still tells a cancelled load from a stalled attempt.
async function download(entry, url, report, signal, stallTimeoutMs) {
  const attempt = new AbortController();
  const cancel = () => attempt.abort(signal.reason);
  if (signal?.aborted) cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  let timer;
  let stalled = false;
  let received = 0;
  const arm = () => {
    clearTimeout(timer);
    if (Number.isFinite(stallTimeoutMs)) timer = setTimeout(() => { stalled = true; attempt.abort(); }, stallTimeoutMs);
  };
  try {
    arm();
    // no-store: the verified copy lives in the Cache API; a corrupt response must not stick in the HTTP cache.
    const response = await fetch(url, { cache: 'no-store', signal: attempt.signal });
    if (!response.ok) {
      const error = new Error(`HTTP ${response.status} ${response.statusText}`);
      error.status = response.status;
      error.retryAfterMs = retryAfterMs(response);
      throw error;
    }
    // The loader never sends Range: a 206 is part of some file (a confused cache or proxy), never the whole one.
    if (response.status === 206) throw new Error(`HTTP 206 Partial Content (${response.headers.get('Content-Range')}) to a request for the whole file`);
    const type = response.headers.get('Content-Type') || '';
    if (type.includes('text/html')) throw new Error(`the server answered HTML (${type}) instead of binary data`);
    const bytes = new Uint8Array(entry.size);
    const reader = response.body.getReader();
    for (;;) {
      arm();
      const { done, value } = await reader.read();
      if (done) break;
      if (received + value.length > entry.size) {
        await reader.cancel();
        if (looksLikeHtml(received ? bytes.subarray(0, received) : value)) throw new Error(HTML_INSTEAD);
        throw new Error(`longer than the ${entry.size} bytes the manifest records`);
      }
      bytes.set(value, received);
      received += value.length;
      report(entry.file, received);
    }
    if (looksLikeHtml(bytes.subarray(0, received))) throw new Error(HTML_INSTEAD);
    if (received !== entry.size) throw new Error(`truncated: received ${received} of ${entry.size} bytes`);
    return bytes;
  } catch (error) {
    if (stalled && !signal?.aborted) throw new Error(`stalled: nothing received for ${stallTimeoutMs} ms (after ${received} bytes)`);
    if (error instanceof TypeError && !signal?.aborted) throw new Error(`the connection broke after ${received} bytes (${error.message})`);
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', cancel);
  }
}

// Retry-After on 429/503, in seconds or as an HTTP date; undefined otherwise.
function retryAfterMs(response) {
  if (response.status !== 429 && response.status !== 503) return undefined;
  const value = (response.headers.get('Retry-After') || '').trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function looksLikeHtml(bytes) {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  const head = new TextDecoder().decode(bytes.subarray(i, i + 15)).toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
