/**
 * `arbiter replay ope --db` and `arbiter replay retrain --db`: open the log, run the replay
 * (src/replay/logged.ts), print the report as JSON on stdout.
 */
import type { BanditPolicyName } from '../bandit/index.js';
import { evaluateDecisionLog, readDecisionLog, retrainFromDecisionLog } from '../replay/index.js';
import { openStoreOrSnapshot } from '../store/index.js';
import { loadPolicy } from './bootstrap.js';

/** Run one logged mode; returns the exit code. */
export async function runLoggedReplay(options: {
  readonly mode: 'ope' | 'retrain';
  readonly db: string;
  readonly candidates: readonly BanditPolicyName[];
  readonly seed: number;
  readonly save?: boolean;
  /** OPE: effective sample size below which an estimate is flagged. @default 30 */
  readonly minEffectiveSampleSize?: number;
  readonly print: (line: string) => void;
}): Promise<number> {
  const store = await openStoreOrSnapshot({ path: options.db });
  try {
    const log = await readDecisionLog(store);
    options.print(
      `${log.length} decisions, ${log.reduce((s, e) => s + e.outcomes.length, 0)} outcomes in ${options.db}`,
    );
    const report =
      options.mode === 'retrain'
        ? await retrainFromDecisionLog({
            store,
            log,
            candidates: options.candidates,
            ...(options.save === undefined ? {} : { save: options.save }),
          })
        : await evaluateDecisionLog({
            log,
            candidates: options.candidates,
            loadPolicy: (name) => loadPolicy(store, name, options.print),
            seed: options.seed,
            ...(options.minEffectiveSampleSize === undefined
              ? {}
              : { minEffectiveSampleSize: options.minEffectiveSampleSize }),
            print: options.print,
          });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
