// Load, slow-client and malformed-request runs against a static file server (edgeopt serve, or nginx for reference).
// Driven by serve-load.sh, which starts and stops the servers and samples their memory and file descriptors; this file
// only talks HTTP. Every mode writes one JSON object to --out (and a short line to stderr); `report` turns the
// folder of JSON files into the markdown tables that go into docs/reliability.md.
//
//   node serve-load.mjs bench     --url U --path /index.html [--range bytes=a-b] --duration S --connections C --out F
//   node serve-load.mjs slow      --url U --path /index.html --chunk /model/x.bin --slow N --duration S --out F
//   node serve-load.mjs malformed --url U --chunk /model/x.bin --chunk-size BYTES --duration S --out F
//   node serve-load.mjs report    --dir RESULTS [--check SERVER]   (--check: exit 1 when SERVER failed an assertion)
import autocannon from 'autocannon';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';

// autocannon 9.0.0 keeps every response body as a JavaScript string (PipelinedRequestsQueue.addBody: `body += data`),
// decoding each network chunk as UTF-8 and concatenating. For multi-megabyte chunks that caps the client at ~15 MB/s
// on a 2-core machine, whichever server answers (edgeopt and nginx alike measured 3 req/s on a 4.5 MiB chunk), so
// the run would measure autocannon. Bodies are never verified here (no expectBody/verifyBody), and bytes are still
// counted from the socket (addByteCount), so keeping them is dropped. CommonJS modules are cached, so this is the
// instance autocannon's HTTP client uses; workers are not used (each would load its own copy).
createRequire(import.meta.url)('autocannon/lib/pipelinedRequestsQueue.js').prototype.addBody = function addBody() {};

const [mode, ...rest] = process.argv.slice(2);
const args = {};
for (let i = 0; i < rest.length; i += 2) {
  if (!rest[i].startsWith('--') || rest[i + 1] === undefined) fail(`bad argument '${rest[i]}'`);
  args[rest[i].slice(2)] = rest[i + 1];
}

function fail(message) {
  console.error(`serve-load.mjs: ${message}`);
  process.exit(2);
}

const number = (name, fallback) => {
  const value = args[name] ?? fallback;
  if (value === undefined || !Number.isFinite(Number(value))) fail(`--${name} must be a number`);
  return Number(value);
};

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// One autocannon run, reduced to the numbers the report needs. Latencies are in milliseconds.
async function cannon({ url, headers = {}, duration, connections }) {
  // 30 s rather than autocannon's 10 s: 100 connections each fetching 4.5 MiB keep ~450 MB in flight, and on a shared
  // 2-core machine an unlucky response can take longer than 10 s without anything being wrong with the server.
  const result = await autocannon({ url, headers, duration, connections, timeout: 30 });
  return {
    url,
    headers,
    duration,
    connections,
    requests: result.requests.total,
    elapsed: result.duration,
    // Totals over the elapsed time, not autocannon's requests.average: that averages the per-second samples and its
    // histogram cannot hold a 0, so seconds in which no 4.5 MiB response completed were left out and inflated it
    // (125 instead of 104 req/s in one run).
    rps: result.requests.total / result.duration,
    mbps: result.throughput.total / result.duration / 1e6,
    bytesPerResponse: result.requests.total > 0 ? Math.round((result.throughput.total ?? 0) / result.requests.total) : 0,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    resets: result.resets,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
  };
}

async function bench() {
  const url = new URL(args.path ?? '/index.html', args.url).href;
  const headers = args.range ? { range: args.range } : {};
  const result = await cannon({ url, headers, duration: number('duration', 60), connections: number('connections', 100) });
  result.target = args.target ?? args.path;
  write(result);
  console.error(`  ${result.target}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ` +
    `errors ${result.errors}, non-2xx ${result.non2xx}, ${result.bytesPerResponse} B/response`);
}

// ---------------------------------------------------------------------------------------------------------------------
// Raw HTTP/1.1 over a socket: the requests here must reach the server exactly as written (an HTTP library would
// normalize the target, refuse the method or fix the header).

/** Sends `bytes`, returns { status, head, received, closed } once the response head has arrived or the socket closed. */
function raw(base, bytes, { timeoutMs = 5000, readBody = false } = {}) {
  const { hostname, port } = new URL(base);
  return new Promise(resolve => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const chunks = [];
    let received = 0;
    let settled = false;
    const finish = closed => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end < 0 ? text : text.slice(0, end);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      socket.destroy();
      resolve({ status: match ? Number(match[1]) : closed ? 'closed' : 'timeout', head, received, closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', data => {
      chunks.push(data);
      received += data.length;
      if (readBody) return;
      if (Buffer.concat(chunks).indexOf('\r\n\r\n') >= 0) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => socket.write(bytes));
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Slow clients: `slow` connections dribble a request head one byte per second (slowloris) and reconnect whenever the
// server drops them, so the server always holds that many half-open requests; meanwhile a normal client (autocannon,
// 10 connections) measures latency and errors. A second phase holds `slow` connections that request a large chunk and
// never read it (slow readers). Each phase is compared with the same normal client running alone.

async function slow() {
  const base = args.url;
  const duration = number('duration', 40);
  const count = number('slow', 300);
  const normal = { url: new URL(args.path ?? '/index.html', base).href, duration, connections: 10 };

  console.error(`  normal client alone (${duration} s)`);
  const alone = await cannon(normal);

  console.error(`  ${count} slow-header connections + normal client (${duration} s)`);
  const dribble = slowloris(base, count);
  await sleep(2000); // let every slow connection open before measuring
  const withSlow = await cannon(normal);
  const loris = await dribble.stop();

  console.error(`  ${count} slow readers of ${args.chunk} + normal client (${duration} s)`);
  const readers = slowReaders(base, args.chunk, count);
  await sleep(2000);
  const withReaders = await cannon(normal);
  const stalled = await readers.stop();

  write({ count, duration, alone, withSlow, loris, withReaders, readers: stalled });
  console.error(`  alone p99 ${alone.p99} ms; with slow headers p99 ${withSlow.p99} ms, errors ${withSlow.errors}; ` +
    `with slow readers p99 ${withReaders.p99} ms, errors ${withReaders.errors}`);
}

function slowloris(base, count) {
  const { hostname, port } = new URL(base);
  const head = `GET /index.html HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUser-Agent: slowloris\r\nX-Padding: ${'a'.repeat(200)}\r\n\r\n`;
  const stats = { opened: 0, closedByServer: 0, secondsBeforeClose: [], statuses: {}, completedHeads: 0 };
  const sockets = new Set();
  let stopping = false;

  const open = () => {
    if (stopping) return;
    const socket = net.connect({ host: hostname, port: Number(port) });
    const started = Date.now();
    let sent = 0;
    let reply = '';
    stats.opened++;
    sockets.add(socket);
    const timer = setInterval(() => {
      if (sent >= head.length) {
        stats.completedHeads++;
        clearInterval(timer);
        return;
      }
      socket.write(head[sent++]);
    }, 1000);
    socket.on('connect', () => socket.write(head[sent++]));
    socket.on('data', data => { reply += data.toString('latin1'); });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
      if (stopping) return;
      stats.closedByServer++;
      stats.secondsBeforeClose.push((Date.now() - started) / 1000);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1] ?? 'no response';
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      open(); // a real slowloris comes straight back
    });
  };
  for (let i = 0; i < count; i++) open();

  return {
    async stop() {
      stopping = true;
      stats.openAtEnd = sockets.size;
      for (const socket of sockets) socket.destroy();
      const s = stats.secondsBeforeClose.sort((a, b) => a - b);
      stats.medianSecondsBeforeClose = s.length ? s[Math.floor(s.length / 2)] : null;
      delete stats.secondsBeforeClose;
      return stats;
    },
  };
}

function slowReaders(base, chunk, count) {
  const { hostname, port } = new URL(base);
  const request = `GET ${chunk} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`;
  const stats = { opened: 0, closedByServer: 0, bytesBeforePause: 0 };
  const sockets = new Set();
  let stopping = false;
  for (let i = 0; i < count; i++) {
    const socket = net.connect({ host: hostname, port: Number(port) });
    stats.opened++;
    sockets.add(socket);
    socket.on('connect', () => socket.write(request));
    // Read the first bytes (the response has started), then stop reading: the socket buffers fill and the server's
    // write stalls, which is what a client on a dead mobile link looks like.
    socket.once('data', data => {
      stats.bytesBeforePause += data.length;
      socket.pause();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      if (!stopping) stats.closedByServer++;
    });
  }
  return {
    async stop() {
      stopping = true;
      stats.openAtEnd = sockets.size;
      for (const socket of sockets) socket.destroy();
      return stats;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Malformed requests under load: autocannon keeps 50 connections busy with chunk Range requests while every case below
// is sent over a raw socket, round after round, until the duration is over. A case passes when the status is one of
// those expected (and its header check, if any, holds). Afterwards the server must still answer index.html with 200.

function malformedCases(host, chunk, size) {
  const get = (target, headers = '') => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n${headers}Connection: close\r\n\r\n`;
  const ranged = range => get(chunk, `Range: ${range}\r\n`);
  const whole = head => new RegExp(`^content-length: ${size}\\r?$`, 'mi').test(head);
  const cases = [
    // absurd headers (Kestrel: 8 KiB request line, 32 KiB of headers, 100 headers)
    ['request line of 9 KiB', get('/' + 'a'.repeat(9 * 1024)), [414]],
    ['one header of 64 KiB', get('/index.html', `X-Big: ${'b'.repeat(64 * 1024)}\r\n`), [431]],
    ['200 small headers', get('/index.html', Array.from({ length: 200 }, (_, i) => `X-H${i}: v\r\n`).join('')), [431]],
    ['header without a colon', get('/index.html', 'NoColonHere\r\n'), [400]],
    ['header name with a space', get('/index.html', 'Bad Name: x\r\n'), [400]],
    ['obsolete line folding', get('/index.html', 'X-Fold: a\r\n b\r\n'), [400]],
    ['NUL in a header value', get('/index.html', 'X-Nul: a\0b\r\n'), [400]],
    ['two Host headers', `GET /index.html HTTP/1.1\r\nHost: ${host}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`, [400]],
    ['no Host header (HTTP/1.1)', 'GET /index.html HTTP/1.1\r\nConnection: close\r\n\r\n', [400]],
    // RFC 9112 §6.1 lets a server either reject this or go by Transfer-Encoding alone (Kestrel does the latter).
    ['Content-Length and Transfer-Encoding together', get('/index.html', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n'), [200, 400]],
    ['negative Content-Length', get('/index.html', 'Content-Length: -1\r\n'), [400]],
    ['bare LF line endings', `GET /index.html HTTP/1.1\nHost: ${host}\nConnection: close\n\n`, [200, 400]],
    ['garbage instead of a request', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n', [400]],
    // methods
    ['POST', `POST /index.html HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`, [405]],
    ['DELETE', `DELETE /index.html HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [405]],
    ['TRACE', `TRACE / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [405]],
    ['OPTIONS *', `OPTIONS * HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [405]],
    ['CONNECT authority-form', `CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nConnection: close\r\n\r\n`, [400, 405]],
    // Methods are case-sensitive (RFC 9110 §9.1): "get" is not GET. "head" used to be a 500 (found by this run).
    ['lowercase get', `get /index.html HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [400, 405, 501]],
    ['lowercase head', `head /index.html HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [400, 405, 501]],
    ['unknown token method BREW', `BREW /index.html HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [405]],
    ['method with a non-token character', `G@T /index.html HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [400]],
    ['method of 1 KiB', `${'A'.repeat(1024)} /index.html HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [405]],
    ['HTTP/1.2', `GET /index.html HTTP/1.2\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [505]],
    // Kestrel closes the connection without an answer (no HTTP/2 on a cleartext HTTP/1.1 endpoint); nginx answers 400.
    ['HTTP/2 preface on HTTP/1.1', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', ['closed', 400, 505]],
    // Kestrel: asterisk-form is for OPTIONS only, 405 with Allow: OPTIONS.
    ['GET * (asterisk-form)', `GET * HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [400, 404, 405]],
    // ranges (one range per response: several ranges are answered with the whole file, never multipart)
    ['overlapping ranges', ranged('bytes=0-100,50-150'), [200], whole],
    ['1000 ranges', ranged('bytes=' + Array.from({ length: 1000 }, (_, i) => `${i}-${i + 1}`).join(',')), [200], whole],
    ['ranges out of order', ranged('bytes=500-600,0-10'), [200], whole],
    ['range past the end', ranged(`bytes=${size}-`), [416], head => new RegExp(`^content-range: bytes \\*/${size}\\r?$`, 'mi').test(head)],
    ['reversed range', ranged('bytes=500-100'), [200], whole],
    // RFC 9110 §14.2: a range unit the server does not know is ignored. ASP.NET Core answered 206 (found by this run).
    ['range with a unit other than bytes', ranged('items=0-10'), [200], whole],
    ['range unit in capitals (units are case-insensitive)', ranged('BYTES=0-10'), [206], head => /^content-length: 11\r?$/mi.test(head)],
    ['range of a 30-digit number', ranged('bytes=0-999999999999999999999999999999'), [200], whole],
    ['suffix range', ranged('bytes=-100'), [206], head => /^content-length: 100\r?$/mi.test(head)],
    ['suffix range longer than the file', ranged(`bytes=-${size * 2}`), [206], whole],
    ['empty range', ranged('bytes='), [200], whole],
    ['range on a missing file', get('/missing.bin', 'Range: bytes=0-10\r\n'), [404]],
    // encoded traversal
    ['/../etc/passwd', get('/../etc/passwd'), [400, 404]],
    ['/%2e%2e/etc/passwd', get('/%2e%2e/etc/passwd'), [404]],
    ['/%2E%2E%2Fetc%2Fpasswd', get('/%2E%2E%2Fetc%2Fpasswd'), [404]],
    ['/model/..%2f..%2fetc/passwd', get('/model/..%2f..%2fetc/passwd'), [404]],
    ['/%252e%252e/etc/passwd (double encoding)', get('/%252e%252e/etc/passwd'), [404]],
    ['/%25252e (triple encoding)', get('/%25252e%25252e/etc/passwd'), [404]],
    ['/..%5c..%5cetc/passwd (encoded backslash)', get('/..%5c..%5cetc/passwd'), [404]],
    ['/..\\..\\etc\\passwd (raw backslash)', get('/..\\..\\etc\\passwd'), [400, 404]],
    ['/%c0%ae%c0%ae/ (overlong UTF-8 dot)', get('/%c0%ae%c0%ae/etc/passwd'), [404]],
    ['/%e0%80%ae (3-byte overlong dot)', get('/%e0%80%ae%e0%80%ae/etc/passwd'), [404]],
    ['/index.html%00.txt (NUL)', get('/index.html%00.txt'), [400, 404]],
    ['/%2fetc/passwd (encoded leading slash)', get('/%2fetc/passwd'), [404]],
    ['//etc/passwd', get('//etc/passwd'), [404]],
    ['/model/../index.html (inside, but ..)', get('/model/../index.html'), [400, 404]],
    ['absolute-form with ..', get(`http://${host}/../etc/passwd`), [400, 404]],
    ['/%', get('/%'), [404]],
    ['/%zz', get('/%zz'), [404]],
    ['raw UTF-8 bytes in the target', Buffer.concat([Buffer.from('GET /\xc3\xa9 HTTP/1.1\r\nHost: ' + host + '\r\nConnection: close\r\n\r\n', 'latin1')]), [400, 404]],
    ['500 x ../', get('/' + '../'.repeat(500) + 'etc/passwd'), [400, 404]],
    // and the server must still serve
    ['plain GET /index.html', get('/index.html'), [200]],
    ['HEAD of the chunk', `HEAD ${chunk} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, [200], whole],
  ];
  return cases.map(([name, request, expected, check]) => ({ name, request, expected, check }));
}

async function malformed() {
  const base = args.url;
  const { host } = new URL(base);
  const duration = number('duration', 30);
  const size = number('chunk-size');
  const cases = malformedCases(host, args.chunk, size);
  const tally = new Map(cases.map(c => [c.name, { name: c.name, expected: c.expected, tries: 0, passed: 0, seen: {} }]));

  const load = cannon({ url: new URL(args.chunk, base).href, headers: { range: 'bytes=1048576-2097151' }, duration, connections: 50 });
  const deadline = Date.now() + duration * 1000 - 1000;
  let rounds = 0;
  while (Date.now() < deadline) {
    rounds++;
    // Eight cases at a time: enough to overlap with each other and with the load, few enough to stay on one core.
    for (let i = 0; i < cases.length; i += 8) {
      await Promise.all(cases.slice(i, i + 8).map(async c => {
        const started = performance.now();
        const reply = await raw(base, c.request);
        const t = tally.get(c.name);
        t.tries++;
        t.maxMs = Math.max(t.maxMs ?? 0, Math.round(performance.now() - started));
        const ok = c.expected.includes(reply.status) && (!c.check || c.check(reply.head));
        if (ok) t.passed++;
        const key = String(reply.status) + (c.expected.includes(reply.status) && !ok ? ' (header check failed)' : '');
        t.seen[key] = (t.seen[key] ?? 0) + 1;
        if (!ok && !t.example) t.example = reply.head.slice(0, 400);
      }));
    }
  }
  const loadResult = await load;
  const after = await raw(base, `GET /index.html HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  const results = [...tally.values()];
  const failed = results.filter(r => r.passed !== r.tries);
  write({ duration, rounds, cases: results, load: loadResult, afterStatus: after.status });
  console.error(`  ${rounds} rounds of ${cases.length} cases; ${failed.length} case(s) with unexpected answers; ` +
    `load: ${loadResult.requests} requests, errors ${loadResult.errors}, non-2xx ${loadResult.non2xx}; afterwards index.html ${after.status}`);
  for (const f of failed) console.error(`    ${f.name}: expected ${f.expected.join('/')}, got ${JSON.stringify(f.seen)}`);
}

// ---------------------------------------------------------------------------------------------------------------------

function write(result) {
  if (!args.out) fail('--out is required');
  fs.writeFileSync(args.out, JSON.stringify(result, null, 2));
}

const fmt = (x, digits = 0) => (x === undefined || x === null ? '–' : Number(x).toFixed(digits));
const mib = kb => (kb === undefined ? '–' : (kb / 1024).toFixed(1));

// Requests and megabytes per second over the whole run, from the totals (see cannon()).
function perSecond(r) {
  if (!r) return r;
  const elapsed = r.elapsed ?? r.duration;
  return { ...r, rps: r.requests / elapsed, mbps: (r.bytesPerResponse * r.requests) / elapsed / 1e6 };
}

function report() {
  const dir = args.dir;
  const read = name => {
    const file = path.join(dir, name);
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
  };
  if (args.check) return check(read, args.check);
  const servers = ['edgeopt', 'nginx'].filter(s => read(`${s}-index.json`));
  const targets = ['index', 'chunk', 'range'];
  const meta = read('meta.json') ?? {};
  const labels = { index: 'index.html', chunk: `chunk (${fmt(meta.chunkSize / 1048576, 1)} MiB)`, range: `Range ${meta.range}` };
  const lines = [];
  const end = read('meta-end.json') ?? {};
  lines.push(`${meta.cpus} × ${meta.cpu}, Linux ${meta.kernel}; .NET SDK ${meta.dotnet}, node ${meta.node}, nginx ${meta.nginx}; ` +
    `load average ${meta.loadBefore} before, ${end.loadAfter ?? '–'} after. ${meta.duration} s per target after a ${meta.warmup} s warm-up, ` +
    `${meta.connections} connections; chunk ${meta.chunk}.`, '');
  lines.push('| server | target | req/s | MB/s | p50 ms | p99 ms | errors | timeouts | non-2xx | server CPU ms/req | RSS MiB before → after | fds (sockets) before → after | load avg |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|');
  for (const server of servers) {
    for (const target of targets) {
      const r = perSecond(read(`${server}-${target}.json`));
      if (!r) continue;
      const b = read(`${server}-${target}-before.json`) ?? {};
      const a = read(`${server}-${target}-after.json`) ?? {};
      const cpu = r.requests > 0 && a.cpuMs !== undefined ? (a.cpuMs - b.cpuMs) / r.requests : undefined;
      lines.push(`| ${server} | ${labels[target]} | ${fmt(r.rps)} | ${fmt(r.mbps, 1)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.timeouts} | ${r.non2xx} | ` +
        `${fmt(cpu, 3)} | ${mib(b.rssKb)} → ${mib(a.rssKb)} | ${b.fds} (${b.sockets}) → ${a.fds} (${a.sockets}) | ${a.load?.split(' ')[0] ?? '–'} |`);
    }
  }
  const ratios = targets.map(t => {
    const e = perSecond(read(`edgeopt-${t}.json`));
    const n = perSecond(read(`nginx-${t}.json`));
    return e && n && n.rps > 0 ? `${labels[t]} **${(e.rps / n.rps).toFixed(2)}×**` : null;
  }).filter(Boolean);
  if (ratios.length) lines.push('', `edgeopt / nginx requests per second: ${ratios.join(', ')}.`);
  lines.push('');
  for (const server of servers) {
    const fresh = read(`${server}-start-fresh.json`);
    const start = read(`${server}-start.json`);
    const last = read(`${server}-end.json`);
    if (fresh && start && last) {
      lines.push(`- ${server}: RSS ${mib(fresh.rssKb)} MiB fresh, ${mib(start.rssKb)} MiB after the warm-up, ${mib(last.rssKb)} MiB at the end ` +
        `(idle, after every run below; peak ${mib(last.hwmKb)} MiB); open fds ${fresh.fds} → ${start.fds} → ${last.fds}, ` +
        `of them sockets ${fresh.sockets} → ${start.sockets} → ${last.sockets}; threads ${fresh.threads} → ${start.threads} → ${last.threads}.`);
    }
  }
  const exit = read('edgeopt-exit.json');
  if (exit) lines.push(`- edgeopt serve exit code after SIGTERM: ${exit.exitCode}.`);

  for (const server of servers) {
    const s = read(`${server}-slow.json`);
    if (!s) continue;
    lines.push('', `Slow clients against ${server} (${s.count} connections, ${s.duration} s per phase; normal client: autocannon, 10 connections, index.html):`, '');
    lines.push('| phase | req/s | p50 ms | p99 ms | max ms | errors | timeouts | non-2xx |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const [label, r] of [['normal client alone', s.alone], [`+ ${s.count} slow-header connections`, s.withSlow], [`+ ${s.count} stalled readers`, s.withReaders]].map(([l, x]) => [l, perSecond(x)]))
      lines.push(`| ${label} | ${fmt(r.rps)} | ${r.p50} | ${r.p99} | ${r.max} | ${r.errors} | ${r.timeouts} | ${r.non2xx} |`);
    const b = read(`${server}-slow-before.json`);
    const a = read(`${server}-slow-after.json`);
    lines.push('', `Slow-header connections: ${s.loris.opened} opened (each reconnects when dropped), ${s.loris.closedByServer} dropped by the server ` +
      `(median after ${fmt(s.loris.medianSecondsBeforeClose, 1)} s; answers ${JSON.stringify(s.loris.statuses)}), ${s.loris.completedHeads} heads completed, ` +
      `${s.loris.openAtEnd} open at the end. Stalled readers: ${s.readers.opened} opened, ${s.readers.closedByServer} dropped by the server, ` +
      `${s.readers.openAtEnd} open at the end.` + (b && a ? ` Server: RSS ${mib(b.rssKb)} → ${mib(a.rssKb)} MiB (peak ${mib(a.hwmKb)}), fds ${b.fds} → ${a.fds}.` : ''));
  }

  const bad = read('edgeopt-malformed.json');
  if (bad) {
    const reference = read('nginx-malformed.json');
    const nginxSeen = new Map((reference?.cases ?? []).map(c => [c.name, c.seen]));
    const total = bad.cases.reduce((n, c) => n + c.tries, 0);
    const seen = map => Object.entries(map ?? {}).map(([k, v]) => `${k} (${v})`).join(', ') || '–';
    lines.push('', `Malformed requests against edgeopt under load (${bad.duration} s, ${bad.rounds} rounds, ${total} requests; the load: ${bad.load.requests} ` +
      `Range requests at 50 connections, errors ${bad.load.errors}, non-2xx ${bad.load.non2xx}; index.html afterwards: ${bad.afterStatus}). ` +
      `"closed": the connection was closed without an answer.`, '');
    lines.push(`| request | expected | edgeopt answered (count) | slowest ms | ok |${reference ? ' nginx answered (reference) |' : ''}`);
    lines.push(`|---|---|---|---:|---|${reference ? '---|' : ''}`);
    for (const c of bad.cases) {
      lines.push(`| ${c.name.replaceAll('|', '\\|')} | ${c.expected.join(' or ')} | ${seen(c.seen)} | ${c.maxMs} | ${c.passed === c.tries ? 'yes' : '**no**'} |` +
        (reference ? ` ${seen(nginxSeen.get(c.name))} |` : ''));
    }
  }
  console.log(lines.join('\n'));
}

// Exits 1 (reasons on stderr) when the server failed anything the load run asserts.
function check(read, server) {
  const problems = [];
  for (const target of ['index', 'chunk', 'range']) {
    const r = read(`${server}-${target}.json`);
    if (!r) problems.push(`${target}: no result`);
    else if (r.errors || r.timeouts || r.non2xx || r.requests === 0)
      problems.push(`${target}: ${r.requests} requests, errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}`);
  }
  if (args.reference) {
    // The reference only has to have served the load runs; its answers to slow and malformed clients are information.
    for (const p of problems) console.error(`serve-load: ${server} (reference): ${p}`);
    if (problems.length) process.exit(1);
    return;
  }
  const s = read(`${server}-slow.json`);
  if (!s) problems.push('slow clients: no result');
  else for (const [phase, r] of [['slow headers', s.withSlow], ['stalled readers', s.withReaders]])
    if (r.errors || r.timeouts || r.non2xx || r.requests === 0) problems.push(`normal client next to ${phase}: errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}`);
  const m = read(`${server}-malformed.json`);
  if (!m) problems.push('malformed: no result');
  else {
    for (const c of m.cases) if (c.passed !== c.tries) problems.push(`malformed '${c.name}': expected ${c.expected.join('/')}, got ${JSON.stringify(c.seen)}`);
    if (m.load.errors || m.load.non2xx) problems.push(`load during malformed requests: errors ${m.load.errors}, non-2xx ${m.load.non2xx}`);
    if (m.afterStatus !== 200) problems.push(`index.html after the malformed requests: ${m.afterStatus}`);
  }
  const exit = read(`${server}-exit.json`);
  if (exit && exit.exitCode !== 0) problems.push(`exit code after SIGTERM: ${exit.exitCode}`);
  for (const p of problems) console.error(`serve-load: ${server}: ${p}`);
  if (problems.length) process.exit(1);
}

const modes = { bench, slow, malformed, report };
if (!modes[mode]) fail(`unknown mode '${mode}'; expected ${Object.keys(modes).join(', ')}`);
await modes[mode]();
