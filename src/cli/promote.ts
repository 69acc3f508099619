/** `arbiter promote DIR` and `arbiter rollback`: change the running service's predictor artifact. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ADMIN_FLAGS, ADMIN_FLAGS_HELP, adminPost, adminTarget } from './admin-client.js';
import type { Command } from './main.js';

const PROMOTE_HELP = `Usage: arbiter promote DIR [--force] [--url URL] [--key KEY]

Promote the artifact in DIR (from arbiter train) into the running service, without a restart.
First the candidate and the artifact in service re-make the decisions the service logged with
outcomes (for an artifact trained with --db, only those it held out): where each matches the
logged choice, the observed quality and cost; and off-policy estimates from the logged
propensities (doubly robust, bootstrap 95% interval of the paired difference). A candidate worse
with 95% confidence is refused (error ARTIFACT_REGRESSION, with the numbers) unless --force. The
previous artifact is kept: arbiter rollback restores it. Every attempt is recorded in the database.

Options:
  --force       promote even when the gate finds a regression
${ADMIN_FLAGS_HELP}`;

const ROLLBACK_HELP = `Usage: arbiter rollback [--url URL] [--key KEY]

Serve again the artifact the last promotion (or rollback) replaced, without a restart.

Options:
${ADMIN_FLAGS_HELP}`;

interface Summary {
  readonly version: string;
  readonly dir: string;
}

/** `arbiter promote`. */
export const promoteCommand: Command = {
  summary: 'promote a trained artifact into the running service (gated on logged outcomes)',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...ADMIN_FLAGS, force: { type: 'boolean', default: false } },
      strict: true,
    });
    if (values.help || positionals.length !== 1) {
      process.stdout.write(PROMOTE_HELP);
      return values.help ? 0 : 2;
    }
    const target = adminTarget(values);
    const answer = (await adminPost({
      ...target,
      path: '/v1/admin/artifact/promote',
      body: { dir: resolve(positionals[0] as string), force: values.force },
    })) as {
      from: Summary;
      to: Summary;
      forced: boolean;
      gate: { verdict: string; reason: string };
    };
    process.stdout.write(
      `promoted ${answer.to.version} (was ${answer.from.version})${answer.forced ? ' despite the gate' : ''}\n` +
        `gate: ${answer.gate.verdict}: ${answer.gate.reason}\n` +
        `${JSON.stringify(answer.gate, null, 2)}\n`,
    );
    return 0;
  },
};

/** `arbiter rollback`. */
export const rollbackCommand: Command = {
  summary: 'serve again the artifact the last promotion replaced',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...ADMIN_FLAGS },
      strict: true,
    });
    if (values.help || positionals.length > 0) {
      process.stdout.write(ROLLBACK_HELP);
      return values.help ? 0 : 2;
    }
    const answer = (await adminPost({
      ...adminTarget(values),
      path: '/v1/admin/artifact/rollback',
    })) as { from: Summary; to: Summary };
    process.stdout.write(
      `rolled back to ${answer.to.version} (${answer.to.dir}); was ${answer.from.version}\n`,
    );
    return 0;
  },
};
