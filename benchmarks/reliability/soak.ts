/**
 * Soak test on loopback: sustained /v1/route + /v1/feedback load at a fixed rate, sampling the
 * server's RSS and the DuckDB file size every few seconds. Bounded in time; 127.0.0.1 only.
 *
 *   npx tsx benchmarks/reliability/soak.ts --rate 100 --seconds 300 [--embedder use-lite|hash]
 *
 * Writes benchmarks/results/soak.json and prints a summary: requests, errors, 5xx, p99, RSS trend
 * (least-squares slope over the second half, MB per minute) and DuckDB bytes per decision.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { generateApiKey } from '../../src/server/auth.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '300' },
    embedder: { type: 'string', default: 'use-lite' },
    port: { type: 'string', default: '18282' },
    out: { type: 'string', default: 'benchmarks/results/soak.json' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const port = Number(values.port);
const base = `http://127.0.0.1:${port}`;
const state = mkdtempSync(join(tmpdir(), 'arbiter-soak-'));
const key = generateApiKey();
writeFileSync(
  join(state, 'keys.json'),
  JSON.stringify({ keys: [{ sha256: key.sha256, tenant: 'soak', role: 'tenant' }] }),
);

const server = spawn(
  process.execPath,
  ['bin/arbiter.js', 'serve', '--port', String(port), '--state-dir', state],
  {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      ARBITER_EMBEDDER: values.embedder,
      ARBITER_RATE_LIMIT: '0',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/u.exec(status)?.[1] ?? 0) / 1024;
}

function dbBytes(): number {
  let total = 0;
  for (const file of ['arbiter.duckdb', 'arbiter.duckdb.wal']) {
    try {
      total += statSync(join(state, file)).size;
    } catch {
      // not created yet
    }
  }
  return total;
}

function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {
      // starting
    }
    if (i > 600) throw new Error('server not ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pid = server.pid ?? 0;
  const samples: { t: number; rssMb: number; dbBytes: number }[] = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    samples.push({ t: (Date.now() - started) / 1000, rssMb: rssMb(pid), dbBytes: dbBytes() });
  }, 5000);
  let n = 0;
  const lastDecision: string[] = [];
  const result = await autocannon({
    url: base,
    connections: 8,
    duration: seconds,
    overallRate: rate,
    requests: [
      {
        method: 'POST',
        path: '/v1/route',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            prompt: `soak prompt ${++n}: summarise item ${n % 5000} of the catalogue`,
          }),
        }),
        onResponse: (status, body) => {
          const id = /"decision_id":"([^"]+)"/u.exec(body)?.[1];
          if (status === 200 && id !== undefined) lastDecision.push(id);
        },
      },
      {
        method: 'POST',
        path: '/v1/feedback',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            decision_id: lastDecision.pop() ?? 'none',
            quality: 0.7,
            latency_ms: 800,
          }),
        }),
      },
    ],
  });
  clearInterval(sampler);
  const half = samples
    .filter((s) => s.t >= seconds / 2)
    .map((s) => [s.t / 60, s.rssMb] as [number, number]);
  const decisions = Math.floor(result.requests.total / 2);
  const summary = {
    command: `npx tsx benchmarks/reliability/soak.ts --rate ${rate} --seconds ${seconds} --embedder ${values.embedder}`,
    date: new Date().toISOString(),
    node: process.version,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    status5xx: result['5xx'],
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    rssStartMb: samples[0]?.rssMb,
    rssEndMb: samples.at(-1)?.rssMb,
    rssMaxMb: Math.max(...samples.map((s) => s.rssMb)),
    rssSlopeSecondHalfMbPerMin: slope(half),
    dbBytes: dbBytes(),
    dbBytesPerDecision: decisions > 0 ? dbBytes() / decisions : null,
    dbGbPerMillionDecisions: decisions > 0 ? ((dbBytes() / decisions) * 1e6) / 1e9 : null,
    samples,
  };
  writeFileSync(values.out, `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(
    `${JSON.stringify({ ...summary, samples: summary.samples.length }, null, 2)}\n`,
  );
} finally {
  server.kill('SIGTERM');
}
