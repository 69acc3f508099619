/**
 * Write a seeded share of a shared dataset's prompts as a routing log (docs/log-format.md), so that
 * `arbiter bench --test-file FILE` scores the shipped recipe on prompts it then drops from training:
 * the path an outside evaluator takes with a held-out split we never see.
 *
 *   npx tsx training/experiments/export-holdout.ts --dataset routerbench --share 0.15 --out FILE
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { normalisedText } from '../../src/bench/folds.js';
import { loadDataset } from '../../src/data/index.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string' },
    share: { type: 'string', default: '0.15' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string' },
  },
});
if (values.dataset === undefined || values.out === undefined) {
  throw new Error('usage: --dataset NAME --out FILE [--share 0.15] [--seed 42]');
}
const share = Number(values.share);
const dataset = loadDataset(values.dataset);
const lines: string[] = [];
let kept = 0;
for (const prompt of dataset.prompts) {
  // A hash of seed + text picks the prompt, so a prompt repeated in the data falls on one side.
  const h = createHash('sha256')
    .update(`${values.seed}:${normalisedText(prompt.text)}`)
    .digest();
  if (h.readUInt32BE(0) / 2 ** 32 >= share) continue;
  kept++;
  dataset.models.forEach((model, m) => {
    const quality = prompt.quality[m];
    if (quality === undefined || Number.isNaN(quality)) return;
    const tokens = prompt.outputTokens?.[m];
    lines.push(
      JSON.stringify({
        prompt: prompt.text,
        model,
        quality,
        group: prompt.group,
        ...(tokens !== undefined && !Number.isNaN(tokens) ? { output_tokens: tokens } : {}),
      }),
    );
  });
}
writeFileSync(values.out, lines.join('\n') + '\n');
console.log(
  `${values.dataset}: ${kept} of ${dataset.prompts.length} prompts, ${lines.length} rows -> ${values.out}`,
);
