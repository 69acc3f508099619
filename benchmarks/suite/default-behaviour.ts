/**
 * Default-behaviour benchmark: the hand-written prompts of benchmarks/default-behaviour/prompts.jsonl
 * (never trained on, never used to choose anything) are routed by the service exactly as `npm start`
 * serves it (default config, shipped catalog and artifact, USE-Lite, no `tradeoff` given), through
 * POST /v1/route. Reports the share of easy prompts kept off the frontier tier and the share of hard
 * prompts sent to it, per policy (the served default, read from the default config, and `greedy`:
 * the rule without exploration).
 *
 *   npx tsx benchmarks/suite/default-behaviour.ts [--out benchmarks/results/default-behaviour]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CATALOG_PATH, loadCatalog } from '../../src/catalog/index.js';
import { composeService } from '../../src/cli/bootstrap.js';
import { loadConfig } from '../../src/config/index.js';
import { sha256Hex } from '../../src/core/index.js';
import { parseManifest } from '../../src/artifact/index.js';
import { artifactVersion } from '../../src/retrain/index.js';

const defaults = {
  out: 'benchmarks/results/default-behaviour',
  prompts: 'benchmarks/default-behaviour/prompts.jsonl',
  artifact: 'models/default',
} as const;
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: defaults.out },
    prompts: { type: 'string', default: defaults.prompts },
    artifact: { type: 'string', default: defaults.artifact },
    // A system message sent before every prompt (chat form, `messages`), as most chat apps do.
    system: { type: 'string' },
  },
});
const systemPrompt =
  values.system === undefined ? undefined : readFileSync(values.system, 'utf8').trim();
interface Item {
  readonly id: string;
  readonly class: 'easy' | 'hard';
  readonly category: string;
  readonly prompt: string;
  /** Turns before the prompt (a conversation): sent as `messages`, the prompt as the last user turn. */
  readonly history?: readonly { role: 'user' | 'assistant'; content: string }[];
}
const items = readFileSync(values.prompts, 'utf8')
  .split('\n')
  .filter((line) => line.trim().length > 0)
  .map((line) => JSON.parse(line) as Item);
const catalog = loadCatalog();
const tierOf = (model: string): string => catalog.get(model)?.tags.tier ?? 'unknown';

interface Routed {
  readonly id: string;
  readonly class: string;
  readonly category: string;
  readonly model: string;
  readonly tier: string;
  readonly costUsd: number;
  readonly outputTokens: number;
}
const results: Record<string, Routed[]> = {};
const served = loadConfig({ env: {} }).policy;
for (const policy of [...new Set([served, 'greedy'] as const)]) {
  const config = loadConfig({
    env: {},
    overrides: { dbPath: ':memory:', policy, artifactDir: values.artifact },
  });
  const service = await composeService(config, { logger: false, env: {} });
  await service.ready;
  const routed: Routed[] = [];
  for (const item of items) {
    const response = await service.app.inject({
      method: 'POST',
      url: '/v1/route',
      payload:
        systemPrompt === undefined && item.history === undefined
          ? { prompt: item.prompt, debug: true }
          : {
              messages: [
                ...(systemPrompt === undefined ? [] : [{ role: 'system', content: systemPrompt }]),
                ...(item.history ?? []),
                { role: 'user', content: item.prompt },
              ],
              debug: true,
            },
    });
    if (response.statusCode !== 200)
      throw new Error(`${item.id}: ${response.statusCode} ${response.body}`);
    const body = response.json<{
      model: string;
      candidates: { model: string; estimated_cost_usd: number; output_tokens?: number }[];
    }>();
    const chosen = body.candidates[0];
    routed.push({
      id: item.id,
      class: item.class,
      category: item.category,
      model: body.model,
      tier: tierOf(body.model),
      costUsd: chosen?.estimated_cost_usd ?? Number.NaN,
      outputTokens: chosen?.output_tokens ?? Number.NaN,
    });
  }
  results[policy] = routed;
  await service.app.close();
}

const share = (rows: readonly Routed[], cls: string, test: (r: Routed) => boolean): number => {
  const of = rows.filter((r) => r.class === cls);
  return of.filter(test).length / Math.max(1, of.length);
};
// The command that reproduces this run: the flags it was given that differ from their defaults.
const flag = (name: string, value: string | undefined, fallback?: string): string[] =>
  value === undefined || value === fallback ? [] : [`--${name} ${value}`];
const command = [
  'npx tsx benchmarks/suite/default-behaviour.ts',
  ...flag('prompts', values.prompts, defaults.prompts),
  ...flag('system', values.system),
  ...flag('artifact', values.artifact, defaults.artifact),
  ...flag('out', values.out, defaults.out),
].join(' ');
const lines: string[] = [
  '# Default-behaviour benchmark',
  '',
  `Command: \`${command}\`. ${items.length} hand-written prompts`,
  ...(systemPrompt === undefined
    ? []
    : [
        `each sent as a chat: the system message of \`${values.system}\` (${systemPrompt.length} characters), then the prompt as the user turn;`,
      ]),
  ...(items.some((i) => i.history !== undefined)
    ? [
        'each the latest user turn of a conversation whose earlier turns the file gives (sent as `messages`);',
      ]
    : []),
  `(${items.filter((i) => i.class === 'easy').length} easy, ${items.filter((i) => i.class === 'hard').length} hard; benchmarks/default-behaviour/),`,
  'routed through POST /v1/route of the service as `npm start` composes it (default config,',
  'shipped catalog and artifact, no `tradeoff`: the default knob). Never trained on.',
  '',
  'Targets (issue 10): >= 90% of easy prompts off the frontier tier, >= 70% of hard ones on it.',
  '',
  '| policy | easy off frontier | hard on frontier | mean est. cost, easy | mean est. cost, hard |',
  '| --- | ---: | ---: | ---: | ---: |',
];
for (const [policy, rows] of Object.entries(results)) {
  const mean = (cls: string): number => {
    const of = rows.filter((r) => r.class === cls);
    return of.reduce((s, r) => s + r.costUsd, 0) / Math.max(1, of.length);
  };
  lines.push(
    `| ${policy}${policy === served ? ' (served default)' : ''} | ${(100 * share(rows, 'easy', (r) => r.tier !== 'frontier')).toFixed(1)}% | ${(100 * share(rows, 'hard', (r) => r.tier === 'frontier')).toFixed(1)}% | $${mean('easy').toFixed(6)} | $${mean('hard').toFixed(6)} |`,
  );
}
for (const [policy, rows] of Object.entries(results)) {
  const counts = new Map<string, number>();
  for (const r of rows)
    counts.set(
      `${r.class} -> ${r.model} (${r.tier})`,
      (counts.get(`${r.class} -> ${r.model} (${r.tier})`) ?? 0) + 1,
    );
  lines.push(
    '',
    `## Models chosen (${policy})`,
    '',
    '| class -> model (tier) | prompts |',
    '| --- | ---: |',
  );
  for (const [key, count] of [...counts].sort((a, b) => a[0].localeCompare(b[0])))
    lines.push(`| ${key} | ${count} |`);
}
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, 'report.md'), `${lines.join('\n')}\n`);
// What the results depend on, so that a test can tell when they no longer describe the shipped
// service (src/bench/committed-results.test.ts).
const provenance = {
  artifact: artifactVersion(
    parseManifest(
      JSON.parse(readFileSync(join(values.artifact, 'manifest.json'), 'utf8')),
      values.artifact,
    ),
  ),
  catalogSha256: sha256Hex(readFileSync(DEFAULT_CATALOG_PATH, 'utf8')),
  promptsSha256: sha256Hex(readFileSync(values.prompts, 'utf8')),
  ...(values.system === undefined
    ? {}
    : { systemSha256: sha256Hex(readFileSync(values.system, 'utf8')) }),
};
writeFileSync(
  join(values.out, 'results.json'),
  `${JSON.stringify({ provenance, results }, null, 2)}\n`,
);
process.stdout.write(`${lines.slice(0, 14).join('\n')}\n`);
