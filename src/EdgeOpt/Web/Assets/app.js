// EdgeOpt web demo page: loads the model progressively (loader.js), picks the backend, runs the bundled sample input or
// a file the user chooses, and shows outputs, latency, backend and threads. `window.edgeopt` exposes the same state to
// scripts and tests: { state, progress, progressEvents, backend, threads, crossOriginIsolated, loadStats, outputs,
// firstInferenceMs, timeToFirstInferenceMs, offlineReady (PWA: runtime kept by the service worker), error,
// power: { mode, source, reason, threads, rateCap, switching, battery: { api, level, charging } }, setPowerMode(mode),
// continuous: { running, runs, starts }, startContinuous(), stopContinuous(), run(feedsOrNull), benchmark({ runs, warmup }) }.

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

// Power modes. Automatic: battery-saver while the battery discharges at or below bundle.json's threshold, otherwise the
// bundle's mode; ?power=MODE or the page's select overrides it. Battery-saver runs wasm on fewer threads and caps the
// continuous run's rate: that is where the energy goes (one explicit run or benchmark is a fixed amount of work).
const MODES = ['performance', 'balanced', 'battery-saver'];
const BATTERY_WAIT_MS = 2000; // a getBattery() that never settles must not hold the page up

async function readBattery() {
  if (typeof navigator.getBattery !== 'function') return { api: 'absent', manager: null };
  try {
    const manager = await Promise.race([
      navigator.getBattery(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), BATTERY_WAIT_MS)),
    ]);
    return { api: 'present', manager };
  } catch (error) {
    // e.g. NotAllowedError where a permissions policy forbids it
    console.warn('navigator.getBattery() failed', error);
    return { api: 'failed', manager: null, error: String(error?.message ?? error) };
  }
}

function chooseMode(config, battery, override) {
  const power = config.power;
  if (override) return { mode: override.mode, source: override.source, reason: override.source === 'url' ? '?power= in the address' : 'chosen on this page' };
  const threshold = `${Math.round(power.saverAtOrBelow * 100)} %`;
  if (power.saverAtOrBelow > 0 && battery.level !== null && battery.charging === false && battery.level <= power.saverAtOrBelow) {
    return { mode: 'battery-saver', source: 'battery', reason: `battery discharging at ${percent(battery.level)}, at or below ${threshold}` };
  }
  const why = battery.level === null ? 'no battery reading' : battery.charging ? 'charging' : `battery above ${threshold}`;
  return { mode: power.mode, source: 'bundle', reason: `the bundle's mode (${why})` };
}

function percent(level) {
  return `${Math.round(level * 100)} %`;
}

function configuredThreads(config) {
  return config.threads > 0 ? config.threads : Math.min(navigator.hardwareConcurrency || 1, config.maxThreads);
}

// Only the wasm backend computes on CPU threads; WebGPU and WebGL keep theirs and are slowed by the rate cap alone.
function threadsFor(config, backend, mode) {
  const threads = configuredThreads(config);
  return backend === 'wasm' && mode === 'battery-saver' ? Math.min(threads, config.power.saverThreads) : threads;
}

function rateCapFor(config, mode) {
  const rate = config.power.maxRate[mode];
  return rate > 0 ? rate : null;
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

  // Battery and power mode first: onnxruntime-web fixes its thread count when its runtime starts.
  const urlMode = new URL(location.href).searchParams.get('power');
  let override = MODES.includes(urlMode) ? { mode: urlMode, source: 'url' } : null;
  $('power-mode').value = override?.mode ?? 'auto';
  $('power-rule').textContent = config.power.saverAtOrBelow <= 0 ? `Automatic: ${config.power.mode} whatever the battery (battery-saver only when chosen).` : `Automatic: battery-saver while the battery discharges at or below ${Math.round(config.power.saverAtOrBelow * 100)} % ` +
    `(${config.power.saverThreads} thread${config.power.saverThreads === 1 ? '' : 's'} on WebAssembly, at most ${config.power.maxRate['battery-saver']} inferences/s when running continuously), otherwise ${config.power.mode}.`;
  const batteryRead = await readBattery();
  const battery = { api: batteryRead.api, level: null, charging: null };
  const showBattery = () => {
    if (batteryRead.manager) {
      battery.level = batteryRead.manager.level;
      battery.charging = batteryRead.manager.charging;
    }
    $('battery').textContent = battery.api === 'absent' ? 'not reported by this browser'
      : battery.api === 'failed' ? `unavailable (${batteryRead.error})`
      : `${percent(battery.level)}, ${battery.charging ? 'charging' : 'not charging'}`;
    $('battery').dataset.level = battery.level ?? '';
    $('battery').dataset.charging = battery.charging ?? '';
  };
  showBattery();
  const power = (page.power = { ...chooseMode(config, battery, override), battery, switching: false });

  const choice = await chooseBackend(config);
  // One onnxruntime-web per thread count: its runtime reads numThreads once, so another count needs another copy of
  // the module (a query string makes a new module record, hence a new WebAssembly instance with its own thread pool).
  const runtimes = new Map();
  const runtimeFor = async (threads) => {
    if (!runtimes.has(threads)) {
      const ort = await import(runtimes.size === 0 ? `./ort/${choice.module}` : `./ort/${choice.module}?threads=${threads}`);
      ort.env.wasm.wasmPaths = new URL('ort/', location.href).href;
      ort.env.wasm.numThreads = threads;
      runtimes.set(threads, ort);
    }
    return runtimes.get(threads);
  };
  let ort = await runtimeFor(threadsFor(config, choice.backend, power.mode));
  page.crossOriginIsolated = self.crossOriginIsolated === true;

  page.state = 'loading';
  setStatus('Loading model…');
  const model = await loadModel(new URL(config.model.path, location.href), {
    // Retry and stall settings (maxAttempts, stallTimeoutMs, maxRetryWaitMs) may be set before the page loads.
    ...(self.edgeoptLoaderOptions ?? {}),
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
  // onnxruntime-web drops to 1 thread (with a console warning) when the page is not cross-origin isolated.
  const threadsInUse = () => (choice.backend === 'webgl' ? 1 : ort.env.wasm.numThreads);
  const adopt = (next) => {
    session = page.session = next;
    page.threads = power.threads = threadsInUse();
    $('threads').textContent = String(page.threads) + (page.crossOriginIsolated ? '' : ' (not cross-origin isolated)');
  };
  adopt(session);
  page.backend = choice.backend;
  $('backend').textContent = choice.backend + (choice.note ? ` (${choice.note})` : '');
  $('cache').textContent = `${model.stats.fetched} fetched, ${model.stats.cacheHits} from cache, ${model.stats.retries} retries`;

  // Runs, benchmarks and session switches take turns: a session is never released under a running inference.
  let queue = Promise.resolve();
  const exclusive = (work) => {
    const result = queue.then(work);
    queue = result.catch(() => {});
    return result;
  };

  const showPower = () => {
    const el = $('power');
    el.dataset.mode = power.mode;
    el.dataset.source = power.source;
    el.dataset.threads = String(power.threads ?? '');
    el.dataset.rateCap = power.rateCap === null ? 'none' : String(power.rateCap);
    el.dataset.switching = String(power.switching);
    const cap = power.rateCap === null ? 'continuous run uncapped' : `continuous run at most ${power.rateCap} inferences/s`;
    el.textContent = `${power.mode}: ${power.reason}; ${cap}` + (power.switching ? ' (switching threads…)' : '');
  };

  // Re-decides the mode; moves the session to a runtime with the mode's thread count when that differs.
  const applyPower = () => exclusive(async () => {
    Object.assign(power, chooseMode(config, battery, override));
    power.rateCap = rateCapFor(config, power.mode);
    const wanted = threadsFor(config, choice.backend, power.mode);
    if (choice.backend === 'wasm' && wanted !== ort.env.wasm.numThreads && runtimes.get(wanted) !== ort) {
      power.switching = true;
      showPower();
      try {
        const next = await runtimeFor(wanted);
        const nextSession = await createSession(next, model, 'wasm');
        const old = session;
        ort = next;
        adopt(nextSession);
        await old.release();
      } catch (error) {
        console.warn(`could not move to ${wanted} threads; staying on ${page.threads}`, error);
      } finally {
        power.switching = false;
      }
    }
    showPower();
  });
  power.rateCap = rateCapFor(config, power.mode);
  showBattery(); // it may have changed while the model loaded
  await applyPower();
  page.setPowerMode = (mode) => {
    override = MODES.includes(mode) ? { mode, source: 'user' } : null;
    $('power-mode').value = override?.mode ?? 'auto';
    const url = new URL(location.href);
    if (override) url.searchParams.set('power', mode); else url.searchParams.delete('power');
    history.replaceState(null, '', url); // a reload keeps the choice
    return applyPower();
  };
  if (batteryRead.manager) {
    const onChange = () => {
      showBattery();
      applyPower();
    };
    batteryRead.manager.addEventListener('levelchange', onChange);
    batteryRead.manager.addEventListener('chargingchange', onChange);
  }

  const sampleBuffers = await Promise.all(config.inputs.map(async (i) => (await fetch(i.sample)).arrayBuffer()));
  const sample = () => sampleFeeds(ort, config, sampleBuffers);
  // Feeds made before a switch hold the other runtime's tensors; each run rewraps them for the current one.
  const bind = (feeds) => Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, t instanceof ort.Tensor ? t : new ort.Tensor(t.type, t.data, t.dims)]));
  let current = { feeds: null, what: config.sampleDescription };

  page.run = (feeds) => exclusive(async () => {
    const { results, ms } = await timedRun(session, feeds ? bind(feeds) : sample());
    page.outputs = describeOutputs(results);
    page.lastLatencyMs = ms;
    return { outputs: page.outputs, ms };
  });
  page.benchmark = ({ runs = 20, warmup = 3 } = {}) => exclusive(async () => {
    const feeds = sample();
    for (let i = 0; i < warmup; i++) await session.run(feeds);
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push((await timedRun(session, feeds)).ms);
    const sorted = [...samples].sort((a, b) => a - b);
    return { runs, samples, p50: sorted[Math.floor((runs - 1) / 2)], min: sorted[0], mean: samples.reduce((a, b) => a + b, 0) / runs, mode: power.mode, threads: page.threads };
  });

  // The continuous run repeats the current input (sample or chosen file), like a live preview would; each start waits
  // until 1/rateCap s after the previous one, so a cap lowers the work done, not just the frames shown.
  const continuous = (page.continuous = { running: false, runs: 0, starts: [] });
  const showContinuous = () => {
    const s = continuous.starts;
    const rate = s.length > 1 ? ((s.length - 1) * 1000) / (s[s.length - 1] - s[0]) : null;
    $('loop').textContent = continuous.running ? 'Stop' : 'Run continuously';
    $('loop-rate').textContent = continuous.runs === 0 ? '' : `${continuous.runs} runs` + (rate ? `, ${rate.toFixed(1)}/s` : '');
  };
  const loop = async () => {
    while (continuous.running) {
      const started = performance.now();
      continuous.starts.push(started);
      if (continuous.starts.length > 20) continuous.starts.shift();
      try {
        const r = await page.run(current.feeds);
        continuous.runs++;
        showOutputs(config, r.outputs, r.ms, current.what);
      } catch (error) {
        continuous.running = false;
        setStatus(error.message, 'error');
      }
      showContinuous();
      // ceil: setTimeout truncates its delay to whole milliseconds, which could start the next run early.
      const wait = power.rateCap === null ? 0 : Math.max(0, Math.ceil(started + 1000 / power.rateCap - performance.now()));
      await new Promise((resolve) => setTimeout(resolve, wait)); // also lets the page paint and handle input
    }
  };
  page.startContinuous = () => {
    if (continuous.running) return;
    continuous.running = true;
    continuous.starts = [];
    showContinuous();
    loop();
  };
  page.stopContinuous = () => {
    continuous.running = false;
    showContinuous();
  };

  setStatus('Running sample…');
  const first = await page.run(null);
  page.firstInferenceMs = first.ms;
  page.timeToFirstInferenceMs = performance.now();
  showOutputs(config, first.outputs, first.ms, config.sampleDescription);
  await model.persisted; // 'ready' also means the next visit finds every model file in the cache
  page.state = 'ready';
  setStatus(`Ready: first inference ${first.ms.toFixed(1)} ms, ${page.timeToFirstInferenceMs.toFixed(0)} ms after navigation`, 'ok');

  for (const id of ['run', 'bench', 'file', 'loop', 'power-mode']) $(id).disabled = false;
  $('run').onclick = async () => {
    current = { feeds: null, what: config.sampleDescription };
    const r = await page.run(null);
    showOutputs(config, r.outputs, r.ms, config.sampleDescription);
  };
  $('bench').onclick = async () => {
    $('bench').disabled = true;
    const b = await page.benchmark({ runs: 20, warmup: 3 });
    $('latency').textContent = `p50 ${b.p50.toFixed(2)} ms, min ${b.min.toFixed(2)} ms over ${b.runs} runs (${b.mode}, ${b.threads} threads)`;
    $('bench').disabled = false;
  };
  $('loop').onclick = () => (continuous.running ? page.stopContinuous() : page.startContinuous());
  $('power-mode').onchange = (event) => page.setPowerMode(event.target.value);
  $('file').onchange = async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      const feeds = file.type.startsWith('image/') ? await imageFeeds(ort, config, file) : await tensorFileFeeds(ort, config, file);
      const r = await page.run(feeds);
      current = { feeds, what: file.name };
      showOutputs(config, r.outputs, r.ms, file.name);
      setStatus('Ready', 'ok');
    } catch (error) {
      setStatus(error.message, 'error');
    }
  };
  if (config.pwa && 'serviceWorker' in navigator) keepForOffline(config, choice.backend).then((ok) => (page.offlineReady = ok));
}

main().catch(fail);
