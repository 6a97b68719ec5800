// Reference TFLite runtime for the tests: Google's own interpreter (LiteRT.js 2.5.3, its WASM CPU build) in Node.js.
//
//   node run.mjs MODEL.tflite OUTDIR IN0.npy [IN1.npy ...]   writes OUTDIR/output_<i>.npy and OUTDIR/outputs.json
//   node run.mjs MODEL.tflite --describe                      prints the inputs and outputs as JSON
//
// Inputs are fed in the order of the model's default signature (for models without one, the subgraph's inputs),
// each with the dtype and shape its .npy header states. Errors: one line on stderr, exit code 1.
//
// It talks to the WASM bindings (liteRtWasm) directly, below the package's Tensor/CompiledModel classes: those only
// know float32/int32/uint8 and throw on an int8 or int16 model before it runs.

import { readFileSync, writeFileSync, mkdirSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

// Baseline (Liftoff) code only: V8 would otherwise recompile the 9 MB module with TurboFan on background threads and
// make the process wait for that at exit, doubling a one-shot run (0.5 s -> 1-1.5 s on two busy cores). Same results:
// without relaxed SIMD (the compat build, below) WebAssembly is deterministic whichever tier runs it.
v8.setFlagsFromString('--liftoff-only');

const here = dirname(fileURLToPath(import.meta.url));
const coreDir = join(here, '..', 'npm', 'node_modules', '@litertjs', 'core');

// LiteRT's own log lines (INFO/WARNING/ERROR from C++) would clutter stdout/stderr: keep them, show them only on failure.
const log = [];

// numpy dtype (little-endian descr) <-> LiteRT ElementType.
const DTYPES = [
  { name: 'float32', descr: '<f4', element: 1, size: 4 },
  { name: 'int32', descr: '<i4', element: 2, size: 4 },
  { name: 'uint8', descr: '|u1', element: 3, size: 1 },
  { name: 'int64', descr: '<i8', element: 4, size: 8 },
  { name: 'bool', descr: '|b1', element: 6, size: 1 },
  { name: 'int16', descr: '<i2', element: 7, size: 2 },
  { name: 'int8', descr: '|i1', element: 9, size: 1 },
  { name: 'float16', descr: '<f2', element: 10, size: 2 },
  { name: 'float64', descr: '<f8', element: 11, size: 8 },
  { name: 'uint64', descr: '<u8', element: 13, size: 8 },
  { name: 'uint32', descr: '<u4', element: 16, size: 4 },
  { name: 'uint16', descr: '<u2', element: 17, size: 2 },
];
const ELEMENT_NAMES = { 0: 'none', 5: 'string', 8: 'complex64', 12: 'complex128', 14: 'resource', 15: 'variant', 18: 'int4', 19: 'bfloat16' };

function byElement(element, what) {
  const dtype = DTYPES.find(d => d.element === element);
  if (!dtype) throw new Error(`${what} has element type ${ELEMENT_NAMES[element] ?? element}, which run.mjs cannot carry`);
  return dtype;
}

function byDescr(descr, file) {
  // '<' and '=' mean little-endian on every machine we run on; one-byte types may say '|'.
  const normal = descr.length === 3 && descr[0] !== '>' ? (descr[2] === '1' ? '|' : '<') + descr.slice(1) : descr;
  const dtype = DTYPES.find(d => d.descr === normal);
  if (!dtype) throw new Error(`${file}: npy dtype '${descr}' is not supported (little-endian numeric only)`);
  return dtype;
}

function readNpy(file) {
  const bytes = readFileSync(file);
  if (bytes.length < 10 || bytes.readUInt8(0) !== 0x93 || bytes.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not an .npy file`);
  const major = bytes.readUInt8(6);
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', headerStart, headerStart + headerLength);
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${file}: unreadable npy header`);
  const shape = shapeText.split(',').map(s => s.trim()).filter(s => s.length > 0).map(Number);
  if (fortran === 'True' && shape.filter(d => d > 1).length > 1) throw new Error(`${file}: Fortran-order arrays are not supported`);
  const dtype = byDescr(descr, file);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  if (bytes.length - dataStart !== count * dtype.size) {
    throw new Error(`${file}: ${bytes.length - dataStart} data bytes for shape [${shape}] of ${dtype.name}`);
  }
  return { dtype, shape, data: bytes.subarray(dataStart) };
}

function writeNpy(file, dtype, shape, data) {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype.descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Version 1.0: the data starts on a 64-byte boundary, the header ends with a newline.
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const preamble = Buffer.alloc(10);
  preamble.writeUInt8(0x93, 0);
  preamble.write('NUMPY', 1, 'latin1');
  preamble.writeUInt8(1, 6);
  preamble.writeUInt8(0, 7);
  preamble.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([preamble, Buffer.from(header, 'latin1'), data]));
}

// The package loads its emscripten script the browser way (self.ModuleFactory, set by importScripts or a <script>).
// Node has neither, so evaluate the script as the CommonJS module it also is and publish its export there; the
// script itself then reads the .wasm next to it from disk (its Node branch), no fetch needed.
async function loadLiteRtWasm() {
  globalThis.self ??= globalThis;
  globalThis.importScripts = file => {
    const path = file.startsWith('file:') ? fileURLToPath(file) : file;
    const wrapper = vm.runInThisContext(
      `(function (exports, require, module, __filename, __dirname) {${readFileSync(path, 'utf8')}\n})`, { filename: path });
    const module = { exports: {} };
    wrapper(module.exports, createRequire(path), module, path, dirname(path));
    globalThis.ModuleFactory = module.exports;
  };
  // Emscripten's print hooks, handed over as the Module object the factory receives.
  globalThis.Module = { print: line => log.push(line), printErr: line => log.push(line) };
  const { loadLiteRt } = await import(pathToFileURL(join(coreDir, 'dist', 'index.js')).href);
  // loadLiteRt probes navigator.gpu for WebGPU; Node has none, so it warns and carries on with the CPU alone.
  const warn = console.warn;
  console.warn = (...args) => log.push(args.map(String).join(' '));
  try {
    // Always the compat build (SIMD128, no relaxed SIMD): given the folder, LiteRT.js would pick the relaxed-SIMD
    // build on engines that have it (Node 22+), whose fused multiply-adds change results with the Node version.
    return await loadLiteRt(join(coreDir, 'wasm', 'litert_wasm_compat_internal.js'));
  } finally {
    console.warn = warn;
  }
}

function vectorToArray(vector) {
  const array = [];
  for (let i = 0; i < vector.size(); i++) array.push(vector.get(i));
  vector.delete();
  return array;
}

function tensorInfo(name, tensorType, what) {
  const layout = tensorType.layout();
  const shape = vectorToArray(layout.dimensions());
  const strided = layout.hasStrides();
  layout.delete();
  const element = tensorType.elementType().value;
  tensorType.delete();
  return { name, dtype: byElement(element, what), shape, strided };
}

// What LiteRT's model loader refuses but its TFLite interpreter runs: variable tensors (LSTM and SVDF state) and
// operator intermediates (the integer LSTM's gate scales). Returns [offset, original value, hidden value] patches:
// the is_variable flags (schema.fbs: Model.subgraphs is field 2, SubGraph.tensors field 0 and operators field 3,
// Tensor.is_variable field 5) and the intermediates vectors' lengths (Operator.intermediates, field 8).
function loaderPatches(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = o => view.getUint32(o, true);
  const field = (table, i) => {
    const vtable = table - view.getInt32(table, true);
    const size = view.getUint16(vtable, true);
    return 4 + 2 * i < size ? view.getUint16(vtable + 4 + 2 * i, true) : 0;
  };
  const vectorAt = (table, i) => {
    const f = field(table, i);
    return f === 0 ? 0 : table + f + u32(table + f);
  };
  const tables = (table, i) => {
    const start = vectorAt(table, i);
    if (start === 0) return [];
    return Array.from({ length: u32(start) }, (_, k) => { const e = start + 4 + 4 * k; return e + u32(e); });
  };
  const patches = [];
  for (const subgraph of tables(u32(0), 2)) {
    for (const tensor of tables(subgraph, 0)) {
      const f = field(tensor, 5);
      if (f !== 0 && bytes[tensor + f] === 1) patches.push({ offset: tensor + f, size: 1, original: 1 });
    }
    for (const operator of tables(subgraph, 3)) {
      const start = vectorAt(operator, 8);
      if (start !== 0 && u32(start) !== 0) patches.push({ offset: start, size: 4, original: u32(start) });
    }
  }
  return patches;
}

async function main(args) {
  if (args.length < 2) {
    throw new Error('usage: node run.mjs MODEL.tflite OUTDIR IN0.npy [IN1.npy ...] | node run.mjs MODEL.tflite --describe');
  }
  const [modelPath, second, ...inputPaths] = args;
  const modelBytes = readFileSync(modelPath);
  const inputs = second === '--describe' ? null : inputPaths.map(readNpy);

  const liteRt = await loadLiteRtWasm();
  const wasm = liteRt.liteRtWasm;
  const environment = liteRt.getDefaultEnvironment();
  const env = environment.liteRtEnvironment;

  // The model must outlive everything below: LiteRT reads the flatbuffer in place.
  const modelPtr = wasm._malloc(modelBytes.byteLength);
  wasm.HEAPU8.set(modelBytes, modelPtr);
  // The loader's own graph (LiteRtModel) refuses variable tensors and intermediates, which the TFLite interpreter
  // built later from the same bytes (read in place) handles: hide them from the loader only, then put them back. A
  // variable tensor then starts at zero, as on any fresh interpreter.
  const patches = loaderPatches(modelBytes);
  const heap = () => new DataView(wasm.HEAPU8.buffer);
  const patch = restore => {
    for (const p of patches) {
      const value = restore ? p.original : 0;
      if (p.size === 1) heap().setUint8(modelPtr + p.offset, value);
      else heap().setUint32(modelPtr + p.offset, value, true);
    }
  };
  patch(false);
  let model;
  try {
    model = wasm.loadModel(env, modelPtr, modelBytes.byteLength);
  } finally {
    patch(true);
  }
  if (model.getNumSignatures() < 1) throw new Error(`${modelPath}: no signature or subgraph to run`);
  const signature = model.getSignature(0);
  const inputNames = vectorToArray(signature.inputNames());
  const outputNames = vectorToArray(signature.outputNames());
  const inputInfo = inputNames.map((name, i) => tensorInfo(name, model.getInputTensorType(0, i), `input ${i} (${name})`));
  const outputInfo = outputNames.map((name, i) => tensorInfo(name, model.getOutputTensorType(0, i), `output ${i} (${name})`));
  const describe = infos => infos.map(t => ({ name: t.name, dtype: t.dtype.name, shape: t.shape }));

  if (inputs === null) {
    process.stdout.write(JSON.stringify({ signature: signature.key(), inputs: describe(inputInfo), outputs: describe(outputInfo) }, null, 2) + '\n');
    return;
  }
  if (inputs.length !== inputInfo.length) {
    throw new Error(`the model takes ${inputInfo.length} input(s) (${inputInfo.map(t => t.name).join(', ')}), got ${inputs.length}`);
  }

  const compiled = await wasm.compileModel(env, model, {
    environment, accelerator: 'wasm', cpuOptions: { numThreads: wasm.getThreadCount() }, gpuOptions: {}, webNNOptions: {},
  });

  const buffers = inputs.map((input, i) => {
    const expected = inputInfo[i];
    if (input.dtype !== expected.dtype) {
      throw new Error(`input ${i} (${expected.name}) is ${expected.dtype.name} [${expected.shape}], ${inputPaths[i]} holds ${input.dtype.name} [${input.shape}]`);
    }
    // LiteRT.js compiles a dynamic dimension (-1) as 1 and does not resize on run: a larger batch would silently run
    // on its first slice only, so anything but 1 there is refused.
    const fits = input.shape.length === expected.shape.length && input.shape.every((d, k) => d === expected.shape[k] || (expected.shape[k] === -1 && d === 1));
    if (!fits) {
      throw new Error(`input ${i} (${expected.name}) has shape [${expected.shape}], ${inputPaths[i]} holds [${input.shape}]${expected.shape.includes(-1) ? ' (dynamic dimensions must be 1)' : ''}`);
    }
    const dimensions = new wasm.VectorInt32();
    for (const d of input.shape) dimensions.push_back(d);
    const layout = wasm.LiteRtLayout.create(dimensions);
    dimensions.delete();
    const type = wasm.LiteRtRankedTensorType.create({ value: expected.dtype.element }, layout);
    layout.delete();
    const buffer = wasm.LiteRtTensorBuffer.createManaged(env, wasm.LiteRtTensorBufferType.HOST_MEMORY, type, Math.max(input.data.length, 1));
    type.delete();
    const ptr = buffer.lock(wasm.LiteRtTensorBufferLockMode.WRITE);
    try {
      wasm.HEAPU8.set(input.data, ptr);
    } finally {
      buffer.unlock();
    }
    const modelType = model.getInputTensorType(0, i);
    const requirements = compiled.getInputBufferRequirements(0, i);
    // The check compares shapes literally and so rejects a -1; the shape was checked above.
    if (!expected.shape.includes(-1)) wasm.checkTensorBufferCompatible(buffer, modelType, requirements);
    modelType.delete();
    requirements.delete();
    return buffer;
  });

  const outputs = await compiled.run(0, buffers);
  const outDir = second;
  mkdirSync(outDir, { recursive: true });
  const written = outputs.map((buffer, i) => {
    const info = tensorInfo(outputNames[i], buffer.tensorType(), `output ${i} (${outputNames[i]})`);
    // Host buffers may carry slack at the end; only a dense layout from offset 0 can be copied as is.
    if (info.strided || buffer.offset() !== 0 || buffer.size() < buffer.packedSize()) throw new Error(`output ${i} (${info.name}) is strided or offset`);
    const count = info.shape.reduce((a, b) => a * b, 1);
    const ptr = buffer.lock(wasm.LiteRtTensorBufferLockMode.READ);
    let data;
    try {
      data = Buffer.from(wasm.HEAPU8.slice(ptr, ptr + count * info.dtype.size));
    } finally {
      buffer.unlock();
    }
    const file = `output_${i}.npy`;
    writeNpy(join(outDir, file), info.dtype, info.shape, data);
    return { name: info.name, dtype: info.dtype.name, shape: info.shape, file };
  });
  writeFileSync(join(outDir, 'outputs.json'),
    JSON.stringify({ signature: signature.key(), inputs: describe(inputInfo), outputs: written }, null, 2) + '\n');
}

try {
  await main(process.argv.slice(2));
  if (process.env.TFLITE_REFERENCE_VERBOSE) writeSync(2, log.join('\n') + '\n');
} catch (e) {
  // Embind and aborts can throw non-Errors (a number, a string); LiteRT's last ERROR line usually says what went wrong.
  const message = e instanceof Error ? e.message : String(e);
  const liteRtError = log.filter(line => /^ERROR/.test(line)).at(-1);
  const line = `run.mjs: ${message}${liteRtError ? ` (LiteRT: ${liteRtError})` : ''}`.replace(/\s*\n\s*/g, ' ');
  writeSync(2, line + '\n');
  if (process.env.TFLITE_REFERENCE_VERBOSE) writeSync(2, log.join('\n') + '\n');
  process.exit(1);
}
