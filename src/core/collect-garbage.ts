import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One full garbage collection, for the two points of start-up that leave tens of MB of garbage V8 has
 * no reason to collect yet: right after the USE-Lite ONNX graph is built or read back for its checksum
 * (weights, graph and encoded bytes, before the embedding worker allocates its session), and once the
 * warm-up is done, before the service reports ready. Without them the resident memory at ready
 * depended on when V8 last happened to collect: 336 to 404 MB on one build (benchmarks/results/
 * http-load.md, table E). Node exposes `gc` only behind a V8 flag, which is set here for a fresh
 * context (the process's own globals are unchanged). Returns the pause, ms, or undefined when the
 * runtime refuses (then nothing happens).
 */
export function collectStartupGarbage(): number | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc !== 'function') return undefined;
    const started = performance.now();
    (gc as () => void)();
    return performance.now() - started;
  } catch {
    return undefined;
  }
}
