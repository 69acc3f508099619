/**
 * Held-out splits of a user's own traffic. A prompt's split key is its `group` when the log gives one
 * (whole subjects, tasks or customers held out), else the hash of its whitespace-normalised text, so
 * the same prompt sent twice (or with other spacing) lands on one side only. A key's side depends
 * only on (seed, key), never on which other rows are present: the promotion gate can tell which
 * logged decisions an artifact trained with `--db` did not see, from its manifest alone.
 */
import { sha256Hex } from '../core/index.js';

/** Lower-case nothing, collapse every run of whitespace to one space, trim. */
export function normalisePromptText(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/** The split key of a prompt without a group. */
export function promptSplitKey(text: string): string {
  return `prompt:${sha256Hex(normalisePromptText(text))}`;
}

/** The split key of a decision logged by the service (its prompt hash; groups are not logged). */
export function decisionSplitKey(promptHash: string): string {
  return `decision:${promptHash}`;
}

/** A uniform draw in [0, 1) fixed by (seed, key). */
export function splitScore(key: string, seed: number): number {
  return Number.parseInt(sha256Hex(`${seed}:${key}`).slice(0, 8), 16) / 2 ** 32;
}

/** True when `key` falls in the held-out share under (seed, fraction). */
export function isHeldOut(
  key: string,
  options: { seed: number; heldOutFraction: number },
): boolean {
  return splitScore(key, options.seed) < options.heldOutFraction;
}

/**
 * Row indices split by key: a key is held out when its score is below the fraction. With two or
 * more distinct keys both sides are kept non-empty (the lowest-scored key is held out, or the
 * highest-scored one trained on), so a small log is still scored on a group of its own.
 */
export function splitByKey(options: {
  readonly keys: readonly string[];
  readonly heldOutFraction: number;
  readonly seed: number;
}): { readonly train: number[]; readonly test: number[]; readonly heldOutKeys: string[] } {
  const distinct = [...new Set(options.keys)];
  const score = new Map(distinct.map((key) => [key, splitScore(key, options.seed)]));
  const held = new Set(distinct.filter((key) => (score.get(key) ?? 1) < options.heldOutFraction));
  if (distinct.length >= 2) {
    const order = [...distinct].sort((a, b) => (score.get(a) ?? 0) - (score.get(b) ?? 0));
    if (held.size === 0) held.add(order[0] as string);
    if (held.size === distinct.length) held.delete(order[order.length - 1] as string);
  }
  const train: number[] = [];
  const test: number[] = [];
  options.keys.forEach((key, i) => (held.has(key) ? test : train).push(i));
  return { train, test, heldOutKeys: [...held].sort() };
}
