// EdgeOpt web demo page: loads the model progressively (loader.js), picks the backend, runs the bundled sample input or
// a file the user chooses, and shows outputs, latency, backend and threads. `window.edgeopt` exposes the same state to
// scripts and tests: { state, progress, progressEvents, backend, threads, crossOriginIsolated, loadStats, outputs,
// firstInferenceMs, timeToFirstInferenceMs, offlineReady (PWA: runtime kept by the service worker), error,
// run(feedsOrNull), benchmark({ runs, warmup }) }.

import { loadModel } from './loader.js';

const $ = (id) => document.getElementById(id);
const page = (window.edgeopt = { state: 'starting', progress: { loaded: 0, total: 0, fraction: 0 }, progressEvents: [] });

const TYPED = { float32: Float32Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, int8: Int8Array };

function setStatus(text, kind = '') {
  $('status').textContent = text;
  $('status').className = kind;
}

function fail(error) {
  page.state = 'error';
  page.error = String(error?.message ?? error);
  setStatus(page.error, 'error');
  console.error(error);
}

async function chooseBackend(config) {
  const wanted = config.backend;
  if (wanted === 'webgpu' || wanted === 'auto') {
    let adapter = null;
    try {
      adapter = navigator.gpu ? await navigator.gpu.requestAdapter() : null;
    } catch (error) {
      console.warn('WebGPU adapter request failed', error);
    }
    if (adapter) return { backend: 'webgpu', module: config.runtime.webGpu, note: '' };
    if (wanted === 'webgpu') throw new Error('this bundle was built for WebGPU (--backend webgpu) but the browser offers no WebGPU adapter');
    return { backend: 'wasm', module: config.runtime.wasm, note: 'no WebGPU adapter' };
  }
  return { backend: wanted, module: config.runtime[{ wasm: 'wasm', webgl: 'webGl' }[wanted]], note: '' };
}

async function createSession(ort, model, backend) {
  const options = { executionProviders: [backend], graphOptimizationLevel: 'all', externalData: model.externalData };
  return ort.InferenceSession.create(model.graph, options);
}

function sampleFeeds(ort, config, buffers) {
  const feeds = {};
  config.inputs.forEach((input, i) => {
    const Typed = TYPED[input.type];
    feeds[input.name] = new ort.Tensor(input.type, new Typed(buffers[i]), input.shape);
  });
  return feeds;
}

function describeOutputs(results) {
  const outputs = {};
  for (const [name, tensor] of Object.entries(results)) {
    const data = tensor.data;
    outputs[name] = { type: tensor.type, dims: [...tensor.dims], data: Array.from(data, (v) => (typeof v === 'bigint' ? Number(v) : v)) };
  }
  return outputs;
}

function topClasses(output, labels, k = 5) {
  const values = output.data;
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  // Already probabilities (sum 1, all >= 0)? keep them; otherwise softmax the logits.
  const isProbability = values.every((v) => v >= 0) && Math.abs(values.reduce((a, b) => a + b, 0) - 1) < 1e-3;
  return values
    .map((v, i) => ({ index: i, label: labels?.[i] ?? `class ${i}`, score: isProbability ? v : exps[i] / sum }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

function showOutputs(config, outputs, latencyMs, what) {
  const body = $('outputs');
  body.replaceChildren();
  const names = Object.keys(outputs);
  const first = outputs[names[0]];
  const classifier = names.length === 1 && first.type === 'float32' && first.data.length >= 2 && first.dims.filter((d) => d > 1).length === 1;
  if (classifier) {
    for (const c of topClasses(first, config.labels)) {
      const row = body.insertRow();
      row.insertCell().textContent = c.label;
      row.insertCell().textContent = (c.score * 100).toFixed(2) + ' %';
    }
  } else {
    for (const name of names) {
      const o = outputs[name];
      const row = body.insertRow();
      row.insertCell().textContent = `${name} [${o.dims.join('×')}]`;
      row.insertCell().textContent = o.data.slice(0, 8).map((v) => (typeof v === 'number' ? v.toPrecision(4) : v)).join(', ') + (o.data.length > 8 ? ', …' : '');
    }
  }
  $('latency').textContent = `${latencyMs.toFixed(2)} ms`;
  $('input-name').textContent = what;
}

async function timedRun(session, feeds) {
  const started = performance.now();
  const results = await session.run(feeds);
  return { results, ms: performance.now() - started };
}

// Image → input tensor with the bundle's preprocessing (size, resize mode, channels, layout, scale/mean/std).
async function imageFeeds(ort, config, file) {
  const pre = config.image;
  if (!pre) throw new Error('this model input is not an image; choose a .npy or raw .bin file of the input size');
  const bitmap = await createImageBitmap(file);
  const canvas = new OffscreenCanvas(pre.width, pre.height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  let sx = 0, sy = 0, sw = bitmap.width, sh = bitmap.height;
  if (pre.resize === 'center-crop') {
    const side = Math.min(sw, sh) * pre.cropFraction;
    const aspect = pre.width / pre.height;
    sw = aspect >= 1 ? side : side * aspect;
    sh = aspect >= 1 ? side / aspect : side;
    sx = (bitmap.width - sw) / 2;
    sy = (bitmap.height - sh) / 2;
  }
  context.drawImage(bitmap, sx, sy, sw, sh, 0, 0, pre.width, pre.height);
  const rgba = context.getImageData(0, 0, pre.width, pre.height).data;
  const plane = pre.width * pre.height;
  const data = new Float32Array(plane * pre.channels);
  for (let p = 0; p < plane; p++) {
    const r = rgba[p * 4], g = rgba[p * 4 + 1], b = rgba[p * 4 + 2];
    const pixel = pre.channels === 1 ? [0.299 * r + 0.587 * g + 0.114 * b] : pre.bgr ? [b, g, r] : [r, g, b];
    for (let c = 0; c < pre.channels; c++) {
      const value = (pixel[c] * pre.scale - pre.mean[c % pre.mean.length]) / pre.std[c % pre.std.length];
      data[pre.layout === 'nhwc' ? p * pre.channels + c : c * plane + p] = value;
    }
  }
  const input = config.inputs.find((i) => i.name === pre.input);
  return { [pre.input]: new ort.Tensor('float32', data, input.shape) };
}

// .npy (little-endian, C order) or raw little-endian bytes of the input's type and size.
async function tensorFileFeeds(ort, config, file) {
  if (config.inputs.length !== 1) throw new Error('choose an image; raw tensor files are supported for single-input models only');
  const input = config.inputs[0];
  let bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes[0] === 0x93 && new TextDecoder().decode(bytes.subarray(1, 6)) === 'NUMPY') {
    const headerLength = bytes[8] | (bytes[9] << 8);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
    const expected = { float32: '<f4', int32: '<i4', int64: '<i8', uint8: '|u1', int8: '|i1' }[input.type];
    if (!header.includes(`'${expected}'`)) throw new Error(`${file.name}: expected dtype ${expected} for input '${input.name}' (${header.trim()})`);
    if (header.includes("'fortran_order': True")) throw new Error(`${file.name}: Fortran-ordered arrays are not supported`);
    bytes = bytes.slice(10 + headerLength);
  }
  const Typed = TYPED[input.type];
  const count = input.shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== count * Typed.BYTES_PER_ELEMENT) {
    throw new Error(`${file.name}: ${bytes.length} bytes, but input '${input.name}' ${input.type}[${input.shape.join(',')}] needs ${count * Typed.BYTES_PER_ELEMENT}`);
  }
  return { [input.name]: new ort.Tensor(input.type, new Typed(bytes.buffer, bytes.byteOffset, count), input.shape) };
}

// The service worker precaches the page at install; the runtime files are many megabytes per backend, so it keeps only
// those of the backend this browser actually uses, once the page knows which.
async function keepForOffline(config, backend) {
  try {
    const registration = await navigator.serviceWorker.ready;
    const urls = (config.runtimeFiles[backend] ?? []).map((f) => new URL(`ort/${f}`, location.href).href);
    return await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => resolve(event.data.ok === true);
      registration.active.postMessage({ type: 'keep-runtime', urls }, [channel.port2]);
    });
  } catch (error) {
    console.warn('offline caching failed', error);
    return false;
  }
}

async function main() {
  const config = await (await fetch('bundle.json', { cache: 'no-cache' })).json();
  page.config = config;
  document.title = config.title;
  $('title').textContent = config.title;
  $('sample-source').textContent = config.sampleDescription;
  if (config.pwa && 'serviceWorker' in navigator) {
    navigator.serviceWorker.register('sw.js').catch((error) => console.warn('service worker registration failed', error));
  }

  const choice = await chooseBackend(config);
  const ort = await import(`./ort/${choice.module}`);
  ort.env.wasm.wasmPaths = new URL('ort/', location.href).href;
  ort.env.wasm.numThreads = config.threads > 0 ? config.threads : Math.min(navigator.hardwareConcurrency || 1, config.maxThreads);
  page.crossOriginIsolated = self.crossOriginIsolated === true;

  page.state = 'loading';
  setStatus('Loading model…');
  const model = await loadModel(new URL(config.model.path, location.href), {
    onProgress: (p) => {
      page.progress = { loaded: p.loaded, total: p.total, fraction: p.fraction };
      page.progressEvents.push(p.fraction);
      $('progress').value = p.fraction;
      $('progress-text').textContent = `${(p.fraction * 100).toFixed(0)} % of ${(p.total / 1e6).toFixed(1)} MB`;
    },
  });
  page.loadStats = model.stats;

  setStatus('Creating session…');
  let session;
  try {
    session = await createSession(ort, model, choice.backend);
  } catch (error) {
    if (config.backend !== 'auto' || choice.backend !== 'webgpu') throw error;
    console.warn('WebGPU session failed; falling back to wasm', error);
    choice.backend = 'wasm';
    choice.note = `WebGPU failed: ${error.message}`;
    session = await createSession(ort, model, 'wasm');
  }
  page.session = session;
  page.backend = choice.backend;
  // onnxruntime-web drops to 1 thread (with a console warning) when the page is not cross-origin isolated.
  page.threads = choice.backend === 'webgl' ? 1 : ort.env.wasm.numThreads;
  $('backend').textContent = choice.backend + (choice.note ? ` (${choice.note})` : '');
  $('threads').textContent = String(page.threads) + (page.crossOriginIsolated ? '' : ' (not cross-origin isolated)');
  $('cache').textContent = `${model.stats.fetched} fetched, ${model.stats.cacheHits} from cache, ${model.stats.retries} retries`;

  const sampleBuffers = await Promise.all(config.inputs.map(async (i) => (await fetch(i.sample)).arrayBuffer()));
  const sample = () => sampleFeeds(ort, config, sampleBuffers);

  page.run = async (feeds) => {
    const { results, ms } = await timedRun(session, feeds ?? sample());
    page.outputs = describeOutputs(results);
    page.lastLatencyMs = ms;
    return { outputs: page.outputs, ms };
  };
  page.benchmark = async ({ runs = 20, warmup = 3 } = {}) => {
    const feeds = sample();
    for (let i = 0; i < warmup; i++) await session.run(feeds);
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push((await timedRun(session, feeds)).ms);
    const sorted = [...samples].sort((a, b) => a - b);
    return { runs, samples, p50: sorted[Math.floor((runs - 1) / 2)], min: sorted[0], mean: samples.reduce((a, b) => a + b, 0) / runs };
  };

  setStatus('Running sample…');
  const first = await page.run(null);
  page.firstInferenceMs = first.ms;
  page.timeToFirstInferenceMs = performance.now();
  showOutputs(config, first.outputs, first.ms, config.sampleDescription);
  await model.persisted; // 'ready' also means the next visit finds every model file in the cache
  page.state = 'ready';
  setStatus(`Ready: first inference ${first.ms.toFixed(1)} ms, ${page.timeToFirstInferenceMs.toFixed(0)} ms after navigation`, 'ok');

  $('run').disabled = false;
  $('bench').disabled = false;
  $('file').disabled = false;
  $('run').onclick = async () => {
    const r = await page.run(null);
    showOutputs(config, r.outputs, r.ms, config.sampleDescription);
  };
  $('bench').onclick = async () => {
    $('bench').disabled = true;
    const b = await page.benchmark({ runs: 20, warmup: 3 });
    $('latency').textContent = `p50 ${b.p50.toFixed(2)} ms, min ${b.min.toFixed(2)} ms over ${b.runs} runs`;
    $('bench').disabled = false;
  };
  $('file').onchange = async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      const feeds = file.type.startsWith('image/') ? await imageFeeds(ort, config, file) : await tensorFileFeeds(ort, config, file);
      const r = await page.run(feeds);
      showOutputs(config, r.outputs, r.ms, file.name);
      setStatus('Ready', 'ok');
    } catch (error) {
      setStatus(error.message, 'error');
    }
  };
  if (config.pwa && 'serviceWorker' in navigator) keepForOffline(config, choice.backend).then((ok) => (page.offlineReady = ok));
}

main().catch(fail);
