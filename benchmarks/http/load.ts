/**
 * HTTP load benchmark for /v1/route, on loopback only (127.0.0.1), bounded in time.
 *
 *   npx tsx benchmarks/http/load.ts [--duration 10] [--connections 16] [--out benchmarks/results/http-load.md]
 *
 * Starts `arbiter serve` as a child process (its own event loop and core) on a temp state dir, then
 * measures with autocannon, in one run: (1) a no-op Fastify route (/healthz) as the ceiling, (2)
 * /v1/route with one repeated prompt (embedding cached), (3) /v1/route with a distinct prompt per
 * request (every request embeds). Reports req/s, latency p50/p99 and Arbiter's own overhead header.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    out: { type: 'string', default: 'benchmarks/results/http-load.md' },
    port: { type: 'string', default: '18181' },
    embedder: { type: 'string', default: 'use-lite' },
    // Words per distinct prompt (0: the original ~15-word question template).
    words: { type: 'string', default: '0' },
    // USE-Lite runtime of the server (ARBITER_USE_LITE_RUNTIME): onnx or tfjs.
    runtime: { type: 'string', default: 'onnx' },
    // Extra node flags for the server process: --node-args="--cpu-prof --cpu-prof-dir=/tmp/prof".
    'node-args': { type: 'string', default: '' },
  },
});
const words = Number(values.words);
const VOCABULARY = (
  'time person year way day thing man world life hand part child eye woman place work week case point ' +
  'government company number group problem fact model price token route answer question code data ' +
  'system program function value error server cache memory network quality cost latency request ' +
  'explain write prove compare summarise translate list describe compute design test debug optimise'
).split(' ');

/** A distinct prompt of `count` words: the counter's digits pick the words, so no two requests repeat. */
function distinctPrompt(counter: number, count: number): string {
  const out: string[] = [`request ${counter}:`];
  let state = counter * 2654435761;
  for (let i = 0; i < count - 2; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out.push(VOCABULARY[state % VOCABULARY.length] as string);
  }
  return out.join(' ');
}

/** CPU time (user + system, all threads) a process has used, ms (Linux /proc; 100 ticks per second). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of a process, MB (Linux /proc). */
function rssMb(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/u.exec(status)?.[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}
const duration = Number(values.duration);
const connections = Number(values.connections);
const port = Number(values.port);
const base = `http://127.0.0.1:${port}`;

async function waitReady(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server did not become ready in 60 s');
}

/**
 * Warm this process's own fetch() POST path against a throwaway local server, so the first
 * /v1/route measures the server and not the load generator's first POST (undici compiles and
 * loads its request-body code on first use: the first request took about 9 ms longer without this, median of
 * 8 starts). Arbiter sees none of it.
 */
async function warmClientPost(): Promise<void> {
  const sink = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const address = sink.address();
  const sinkPort = typeof address === 'object' && address !== null ? address.port : 0;
  for (let i = 0; i < 3; i++) {
    const answer = await fetch(`http://127.0.0.1:${sinkPort}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: `client warm-up ${i}` }),
    });
    await answer.json();
  }
  sink.closeAllConnections();
  await new Promise<void>((resolve) => sink.close(() => resolve()));
}

interface Row {
  readonly name: string;
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly overheadP50?: number;
  readonly overheadP99?: number;
  /** Server CPU time per request (all threads, embedding workers included), ms. */
  cpuPerRequest?: number;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function rowOf(name: string, result: autocannon.Result): Row {
  return {
    name,
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function measure(name: string, options: Partial<autocannon.Options>): Promise<Row> {
  return rowOf(name, await autocannon({ url: base, connections, duration, ...options }));
}

/** Run a scenario and record the server's CPU time per request. */
async function withCpu(run: () => Promise<Row>): Promise<Row> {
  const before = cpuMs(server.pid);
  const row = await run();
  row.cpuPerRequest = (cpuMs(server.pid) - before) / Math.max(1, row.requests);
  return row;
}

/** Load /v1/route with bodies from `body`, collecting Arbiter's own overhead from each answer. */
async function measureRoute(name: string, body: () => string): Promise<Row> {
  const overheads: number[] = [];
  const result = await autocannon({
    url: base,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        path: '/v1/route',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: body() }),
        onResponse: (_status, text) => {
          const match = /"overhead_ms":([0-9.]+)/u.exec(text);
          if (match?.[1] !== undefined) overheads.push(Number(match[1]));
        },
      },
    ],
  });
  const sorted = overheads.sort((a, b) => a - b);
  return {
    ...rowOf(name, result),
    overheadP50: percentile(sorted, 0.5),
    overheadP99: percentile(sorted, 0.99),
  };
}

const state = mkdtempSync(join(tmpdir(), 'arbiter-load-'));
const server = spawn(
  process.execPath,
  [
    ...values['node-args'].split(' ').filter((arg) => arg !== ''),
    'bin/arbiter.js',
    'serve',
    '--port',
    String(port),
    '--state-dir',
    state,
  ],
  {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      ARBITER_RATE_LIMIT: '0',
      ARBITER_EMBEDDER: values.embedder,
      ARBITER_USE_LITE_RUNTIME: values.runtime,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);
try {
  await warmClientPost();
  await waitReady();
  const readyRssMb = rssMb(server.pid);
  // First /v1/route after ready: nothing warmed by an earlier request.
  const firstStarted = performance.now();
  const first = await fetch(`${base}/v1/route`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'What is the first question after start?' }),
  });
  await first.text();
  const firstRouteMs = performance.now() - firstStarted;
  // The server's own share of it (parse to decision, durable write included), without the client's
  // first POST and the loopback round trip.
  const firstOverheadMs = Number(first.headers.get('x-arbiter-overhead-ms'));
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const rows: Row[] = [];
  rows.push(
    await withCpu(() =>
      measure('no-op Fastify route (GET /healthz)', { url: `${base}/healthz`, method: 'GET' }),
    ),
  );

  const cachedBody = JSON.stringify({
    prompt: 'Explain the difference between TCP and UDP in two sentences.',
  });
  rows.push(
    await withCpu(() =>
      measureRoute('/v1/route, repeated prompt (cached embedding)', () => cachedBody),
    ),
  );
  let counter = 0;
  rows.push(
    await withCpu(() =>
      measureRoute('/v1/route, distinct prompt per request (embeds every time)', () => {
        counter += 1;
        if (words > 0) return JSON.stringify({ prompt: distinctPrompt(counter, words) });
        return JSON.stringify({
          prompt: `Question ${counter}: what is ${counter} times ${counter % 97} and why does it matter for topic ${counter % 13}?`,
        });
      }),
    ),
  );

  const endRssMb = rssMb(server.pid);
  const loadAfter = loadavg()[0] ?? Number.NaN;
  const noop = rows[0]?.rps ?? Number.NaN;
  const fmt = (n: number | undefined, digits = 1): string =>
    n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits);
  const table = [
    '| scenario | requests | req/s | ratio to no-op | latency p50 ms | latency p99 ms | overhead p50 ms | overhead p99 ms | server CPU ms/req | errors | non-2xx |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${row.requests} | ${fmt(row.rps)} | ${fmt(row.rps / noop, 3)} | ${fmt(row.p50)} | ${fmt(row.p99)} | ${fmt(row.overheadP50, 2)} | ${fmt(row.overheadP99, 2)} | ${fmt(row.cpuPerRequest, 2)} | ${row.errors} | ${row.non2xx} |`,
    ),
  ].join('\n');
  const report = `# HTTP load: /v1/route on loopback

Command: \`npx tsx benchmarks/http/load.ts --duration ${duration} --connections ${connections} --embedder ${values.embedder} --runtime ${values.runtime} --words ${words}\`
Date: ${new Date().toISOString()} · node ${process.version} · ${cpus().length} cores (server and load generator share them)
Load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)} · server RSS at ready ${readyRssMb.toFixed(0)} MB, at end ${endRssMb.toFixed(0)} MB · first /v1/route after ready ${firstRouteMs.toFixed(1)} ms (server overhead ${fmt(firstOverheadMs)} ms)
Server: \`arbiter serve\` with embedder \`${values.embedder}\` (use-lite runtime \`${values.runtime}\`: onnx on
${process.env.ARBITER_EMBED_WORKERS ?? '1'} worker thread(s) with continuous batching, tfjs on two workers behind the micro-batcher; LRU cache in front), shipped catalog and predictor, policy ${process.env.ARBITER_POLICY ?? 'residual (the served default)'}, DuckDB file in a temp dir, rate limit off. ${connections} connections, ${duration} s per scenario.

${table}

"overhead" is Arbiter's own \`overhead_ms\` (parse to decision, embedding included); latency is what
autocannon saw end to end. Targets (issue 4): >= 150 decisions/s with p99 < 100 ms; cached overhead < 2 ms p50. "server CPU ms/req" is the
server process's CPU time (all threads) over the scenario divided by its requests.
`;
  writeFileSync(values.out, report);
  process.stdout.write(report);
} finally {
  server.kill('SIGTERM');
}
