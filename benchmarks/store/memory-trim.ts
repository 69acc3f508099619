/**
 * What the periodic trim (openDatabase's `trimIntervalMs`) does to a process that
 * appends steadily: each variant runs in its own child process, writes the same decisions + outcomes
 * through the store's buffered writers in small batches (the service's shape), and reports RSS and
 * the time taken. Ratios within one run only.
 *
 * Run: npx tsx benchmarks/store/memory-trim.ts [--decisions 48000] [--trim-ms 2000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../../src/store/index.js';
import { benchDecision as decision } from './decision-fixture.js';

const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '48000' },
    'trim-ms': { type: 'string', default: '2000' },
    child: { type: 'string' },
  },
});
const decisions = Number(values.decisions);

function rssMb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/VmRSS:\s+(\d+)/u.exec(status)?.[1] ?? 0) / 1024;
}

async function child(trimMs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-trim-'));
  const store = await openStore({ path: join(dir, 'a.duckdb'), trimIntervalMs: trimMs });
  const started = performance.now();
  for (let n = 0; n < decisions; n += 8) {
    const batch = Array.from({ length: 8 }, (_, k) => decision(`d${n + k}`, n + k));
    await store.recordDecisions(batch);
    // The service's feedback: concurrent requests sharing one commit (group commit).
    await Promise.all(
      batch.map((d) =>
        store.recordFeedback({
          decisionId: d.id,
          idempotencyKey: `k-${d.id}`,
          receivedAtMs: Date.now(),
          tenant: 'bench',
          model: d.chosenModel,
          quality: 0.8,
          latencyMs: 300,
          inputTokens: 40,
          outputTokens: 120,
          costUsd: 0.0003,
          errorClass: null,
        }),
      ),
    );
  }
  await store.flush();
  // Let a last trim run (when on) before measuring.
  if (trimMs > 0) await new Promise((r) => setTimeout(r, trimMs + 100));
  const result = {
    trimMs,
    rssMb: rssMb(),
    seconds: (performance.now() - started) / 1000,
  };
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (values.child !== undefined) {
  await child(Number(values.child));
} else {
  const load = loadavg()[0]?.toFixed(2);
  const rows: string[] = [];
  for (const trimMs of [0, Number(values['trim-ms'])]) {
    const run = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1] as string,
        '--child',
        String(trimMs),
        '--decisions',
        String(decisions),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as Record<
      string,
      number
    >;
    rows.push(
      `| ${trimMs === 0 ? 'never' : `every ${trimMs} ms`} | ${decisions.toLocaleString('en')} | ${result.rssMb?.toFixed(0)} MB | ${result.seconds?.toFixed(1)} s |`,
    );
  }
  console.log(
    `load average ${load} at start, ${loadavg()[0]?.toFixed(2)} at end; node ${process.version}`,
  );
  console.log('| trim | decisions (+ outcomes) | RSS at end | time |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
}
