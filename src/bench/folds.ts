import { RouterError } from '../core/index.js';
import type { RoutingDataset } from '../data/index.js';
import { assignFolds, foldIndices, holdOutSplit } from '../predict/index.js';
import type { Protocol } from './types.js';

/** A dataset restricted to some rows, with its embeddings. */
export interface DatasetPart {
  readonly dataset: RoutingDataset;
  readonly embeddings: readonly Float32Array[];
}

/** One evaluation fold: training parts and the test dataset's rows it scores. */
export interface EvaluationFold {
  readonly train: readonly DatasetPart[];
  /** Row indices into the test dataset. */
  readonly test: readonly number[];
}

/** Rows of a dataset and their embeddings. */
export function subsetPart(part: DatasetPart, rows: readonly number[]): DatasetPart {
  return {
    dataset: {
      ...part.dataset,
      prompts: rows.map((i) => part.dataset.prompts[i] as RoutingDataset['prompts'][number]),
    },
    embeddings: rows.map((i) => part.embeddings[i] as Float32Array),
  };
}

/**
 * Folds for a protocol. Test rows never appear in their fold's training parts; prompts whose text
 * also occurs in a training part are dropped from that part (no evaluation on trained prompts).
 */
export function buildFolds(options: {
  readonly protocol: Protocol;
  readonly test: DatasetPart;
  /** Training datasets for `transfer`. */
  readonly train: readonly DatasetPart[];
  /** Datasets added to every fold's training rows (any protocol), e.g. `everyday`. */
  readonly extraTrain?: readonly DatasetPart[];
  readonly seed: number;
}): EvaluationFold[] {
  const { protocol, test, seed } = options;
  const extra = options.extraTrain ?? [];
  const rows = test.dataset.prompts.length;
  const all = Array.from({ length: rows }, (_, i) => i);
  const withoutTestTexts = (
    parts: readonly DatasetPart[],
    testRows: readonly number[],
  ): DatasetPart[] => {
    const texts = new Set(testRows.map((i) => normalisedText(test.dataset.prompts[i]?.text ?? '')));
    return parts.map((part) =>
      subsetPart(
        part,
        part.dataset.prompts.flatMap((prompt, i) =>
          texts.has(normalisedText(prompt.text)) ? [] : [i],
        ),
      ),
    );
  };
  switch (protocol.kind) {
    case 'transfer':
      return [{ train: withoutTestTexts([...options.train, ...extra], all), test: all }];
    case 'group-folds':
    case 'random-folds': {
      const assignment = assignFolds({
        rows,
        folds: protocol.folds,
        seed,
        ...(protocol.kind === 'group-folds'
          ? { groups: test.dataset.prompts.map((p) => p.group) }
          : {}),
      });
      return Array.from({ length: protocol.folds }, (_, f) => foldIndices(assignment, f))
        .filter((split) => split.test.length > 0)
        .map((split) => ({
          train: withoutTestTexts([subsetPart(test, split.train), ...extra], split.test),
          test: split.test,
        }));
    }
    case 'holdout': {
      const split = holdOutSplit({
        rows,
        heldOutFraction: protocol.testFraction,
        seed,
        strata: test.dataset.prompts.map((p) => p.group),
      });
      return [
        {
          train: withoutTestTexts([subsetPart(test, split.train), ...extra], split.test),
          test: split.test,
        },
      ];
    }
  }
}

/** Guard: a fold with no training rows cannot train anything. */
export function assertTrainable(fold: EvaluationFold, index: number): void {
  if (fold.train.every((part) => part.dataset.prompts.length === 0)) {
    throw new RouterError('INPUT_INVALID', `fold ${index} has no training rows`, {
      details: { fold: index },
    });
  }
}

/** Prompt text with whitespace runs collapsed: the key that keeps a prompt off both sides of a split. */
export function normalisedText(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}
