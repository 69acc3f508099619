/** Options for {@link createProgress}. */
export interface ProgressOptions {
  /** Label printed before the bar. */
  readonly label: string;
  /** Total units of work. */
  readonly total: number;
  /** Output stream. @default process.stderr */
  readonly stream?: NodeJS.WriteStream;
}

/** A progress bar handle. */
export interface Progress {
  /** Advance by `n` units. */
  tick(n?: number): void;
  /** Print the final line. */
  done(): void;
}

/**
 * A stderr progress bar: redrawn in place on a TTY (at most 10 times a second), one line per 10% when
 * stderr is a pipe or a CI log, so logs stay readable. Shows rate and ETA.
 */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY;
  const started = performance.now();
  let count = 0;
  let lastDraw = 0;
  let lastDecile = -1;

  const line = (): string => {
    const total = Math.max(options.total, 1);
    const share = Math.min(count / total, 1);
    const elapsed = (performance.now() - started) / 1000;
    const rate = elapsed > 0 ? count / elapsed : 0;
    const eta = rate > 0 ? (options.total - count) / rate : 0;
    const width = 24;
    const filled = Math.round(share * width);
    return `${options.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${options.total} ${(share * 100).toFixed(0)}% ${rate.toFixed(1)}/s eta ${eta.toFixed(0)}s`;
  };

  return {
    tick(n = 1): void {
      count += n;
      const now = performance.now();
      if (tty) {
        if (now - lastDraw > 100) {
          stream.write(`\r${line()}`);
          lastDraw = now;
        }
        return;
      }
      const decile = Math.floor((count / Math.max(options.total, 1)) * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        stream.write(`${line()}\n`);
      }
    },
    done(): void {
      stream.write(tty ? `\r${line()}\n` : `${line()} done\n`);
    },
  };
}
