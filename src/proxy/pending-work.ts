/**
 * Fire-and-forget work (outcome recording after the answer has gone out), tracked so shutdown can
 * wait for it and failures are reported instead of becoming unhandled rejections.
 */
export class PendingWork {
  private readonly pending = new Set<Promise<void>>();
  private readonly onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.onError = onError;
  }

  /** Start `task` now; it is awaited by {@link drain}. */
  run(task: () => Promise<unknown>): void {
    const promise = Promise.resolve()
      .then(task)
      .then(
        () => undefined,
        (error: unknown) => this.onError(error),
      )
      .finally(() => this.pending.delete(promise));
    this.pending.add(promise);
  }

  /** Tasks still running. */
  get size(): number {
    return this.pending.size;
  }

  /** Wait for every task started so far (and those they start). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
