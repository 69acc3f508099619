/**
 * Where the route's tail latency comes from in the store: concurrent clients each write one decision
 * and wait for it to be durable (`recordDecisions` + `decisions.flush()`, group commit: the service's
 * path with PostgreSQL, and with DuckDB until the decision journal took its place, see
 * benchmarks/results/http-load.md, K), and the latency of every write is recorded. Two variants, each in its own child process, the same
 * writes: DuckDB's automatic checkpoints as served (the WAL is checkpointed into the file once it
 * passes `checkpoint_threshold`, 16 MB by default, inside the commit that crosses it, while every other
 * commit waits), and, as a diagnostic only, the threshold raised to 1 GB so that no checkpoint runs
 * during the measurement. A third variant, also diagnostic, writes the same decisions as one row of two
 * columns each (id, the record as JSON bytes) through the same group-committing batch writer: what a
 * write path with a compact journal table would pay per commit, against the 24-column decisions row.
 * Ratios within one run only.
 *
 * Run: npx tsx benchmarks/store/commit-tail.ts [--decisions 20000] [--clients 8]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../src/store/db.js';
import { createBatchWriter } from '../../src/store/batch-writer.js';
import { createDecisionRepo } from '../../src/store/decision-repo.js';
import { runMigrations } from '../../src/store/migrations.js';
import type { DecisionRecord } from '../../src/store/index.js';
import { benchDecision } from './decision-fixture.js';

const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '20000' },
    clients: { type: 'string', default: '8' },
    child: { type: 'string' },
  },
});
const decisions = Number(values.decisions);
const clients = Number(values.clients);
const VARIANTS = { auto: undefined, deferred: '1GB', packed: undefined } as const;
const LABELS: Record<keyof typeof VARIANTS, string> = {
  auto: 'decisions table, automatic checkpoints (served)',
  deferred: 'decisions table, no checkpoint during the run (diagnostic)',
  packed: 'two-column table (id, JSON), automatic checkpoints (diagnostic)',
};
type Variant = keyof typeof VARIANTS;

/** Seconds of CPU in a process.cpuUsage() difference. */
function cpuOf(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

async function child(variant: Variant): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-tail-'));
  const db = await openDatabase({ path: join(dir, 'a.duckdb') });
  await runMigrations(db);
  const threshold = VARIANTS[variant];
  if (threshold !== undefined)
    await db.use((s) => s.run(`SET checkpoint_threshold = '${threshold}'`));
  const encoder = new TextEncoder();
  const repo =
    variant === 'packed'
      ? await (async () => {
          await db.use((s) => s.run('CREATE TABLE packed (id VARCHAR PRIMARY KEY, record BLOB)'));
          const writer = createBatchWriter<DecisionRecord>({
            db,
            table: 'packed',
            transaction: true,
            toRow: (d) => [
              d.id,
              encoder.encode(
                JSON.stringify({
                  ...d,
                  embedding: Array.from(d.embedding ?? [], (x) => +x.toFixed(4)),
                }),
              ),
            ],
          });
          return { enqueue: (d: DecisionRecord) => writer.enqueue(d), flush: () => writer.flush() };
        })()
      : createDecisionRepo({ db });
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let n = next++; n < decisions; n = next++) {
        const t0 = performance.now();
        repo.enqueue(benchDecision(`d${n}`, n));
        await repo.flush();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = (cpuOf(process.cpuUsage(cpu0)) / decisions) * 1e6;
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.floor(q * (latencies.length - 1))] ?? Number.NaN;
  process.stdout.write(
    `${JSON.stringify({
      variant,
      perSecond: decisions / seconds,
      cpuUs,
      p50: at(0.5),
      p99: at(0.99),
      p999: at(0.999),
      max: at(1),
      over50: latencies.filter((ms) => ms > 50).length,
    })}\n`,
  );
}

if (values.child !== undefined) {
  await child(values.child as Variant);
} else {
  const load = loadavg()[0]?.toFixed(2);
  const rows: string[] = [];
  for (const variant of Object.keys(VARIANTS) as Variant[]) {
    const run = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1] as string,
        '--child',
        variant,
        '--decisions',
        String(decisions),
        '--clients',
        String(clients),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const r = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
    const ms = (v: number | undefined): string => (v ?? Number.NaN).toFixed(1);
    rows.push(
      `| ${LABELS[variant]} | ${r.perSecond?.toFixed(0)} | ${r.cpuUs?.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.p999)} | ${ms(r.max)} | ${r.over50} |`,
    );
  }
  console.log(
    `${decisions.toLocaleString('en')} decisions, ${clients} clients; load average ${load} at start, ${loadavg()[0]?.toFixed(2)} at end; node ${process.version}`,
  );
  console.log(
    '| write path | decisions/s | process CPU µs / decision | p50 ms | p99 ms | p99.9 ms | max ms | writes > 50 ms |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
}
