import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../data/index.js';

/** `git rev-parse HEAD` of the checkout, `+dirty` when tracked files changed; `unknown` outside git. */
export function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty.length > 0 ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}
