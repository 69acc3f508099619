import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Value } from 'typebox/value';
import { loadConfig } from '../config/index.js';
import { RouterError } from '../core/index.js';
import { KeysFileSchema, generateApiKey, type KeysFile } from '../server/auth.js';
import type { Command } from './main.js';

const HELP = `Usage: arbiter keys add --tenant NAME [--role tenant|admin] [--name LABEL] [--file FILE]
       arbiter keys list [--file FILE]

Create an API key: it is printed once and only its SHA-256 hash is stored in the keys file
(default <state-dir>/keys.json, or ARBITER_KEYS_FILE). Tenant keys route and send feedback for their
tenant; admin keys can also manage models and read every tenant's stats and usage. A running
\`arbiter serve\` reads the keys file again within a second: no restart is needed.
`;

function readKeys(path: string): KeysFile {
  if (!existsSync(path)) return { keys: [] };
  const data: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!Value.Check(KeysFileSchema, data)) {
    throw new RouterError('CONFIG_INVALID', `${path}: not a valid keys file`, {
      details: { file: path },
    });
  }
  return data;
}

/**
 * Replace the keys file atomically: the new content goes to `<path>.tmp`, created fresh and exclusive
 * (O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600), so a stale temp file of another mode or a symlink
 * planted there is never written through; then it is renamed over the file. A stale `.tmp` (a plain
 * file or a link, never its target) is removed first.
 */
export function writeKeysFile(path: string, file: KeysFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp`;
  try {
    unlinkSync(temp);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const fd = openSync(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    writeSync(fd, `${JSON.stringify(file, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** `arbiter keys`. */
export const keysCommand: Command = {
  summary: 'create and list API keys (stored hashed)',
  run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        tenant: { type: 'string' },
        role: { type: 'string', default: 'tenant' },
        name: { type: 'string' },
        file: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help || positionals.length === 0) {
      process.stdout.write(HELP);
      return Promise.resolve(values.help ? 0 : 1);
    }
    const config = loadConfig();
    const path = values.file ?? config.keysFile ?? join(config.stateDir, 'keys.json');
    const file = readKeys(path);
    if (positionals[0] === 'list') {
      for (const key of file.keys) {
        process.stdout.write(
          `${key.tenant}\t${key.role}\t${key.sha256.slice(0, 12)}…\t${key.name ?? ''}\n`,
        );
      }
      return Promise.resolve(0);
    }
    if (positionals[0] !== 'add') {
      throw new RouterError('INPUT_INVALID', `unknown keys action "${positionals[0] ?? ''}"`);
    }
    if (values.tenant === undefined || !/^[A-Za-z0-9._-]{1,128}$/u.test(values.tenant)) {
      throw new RouterError(
        'INPUT_INVALID',
        '--tenant is required: letters, digits, . _ - (max 128)',
      );
    }
    if (values.role !== 'tenant' && values.role !== 'admin') {
      throw new RouterError('INPUT_INVALID', '--role must be tenant or admin');
    }
    const { key, sha256 } = generateApiKey();
    const next: KeysFile = {
      keys: [
        ...file.keys,
        {
          sha256,
          tenant: values.tenant,
          role: values.role,
          ...(values.name === undefined ? {} : { name: values.name }),
        },
      ],
    };
    writeKeysFile(path, next);
    process.stderr.write(`stored the hash in ${path}; the key is shown once:\n`);
    process.stdout.write(`${key}\n`);
    return Promise.resolve(0);
  },
};
