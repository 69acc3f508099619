/** An expected outcome: a value, or a reason it could not be produced. Throw only for bugs and I/O. */
export type Result<T, R = string> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: R };

/** Wrap a value as a successful Result. */
export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

/** Wrap a reason as a failed Result. */
export function fail<R>(reason: R): { readonly ok: false; readonly reason: R } {
  return { ok: false, reason };
}
