import type { ErrorCode } from './schema';

/** An error the person can read: a stable code for programs, a sentence for people. */
export class ExhibitError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ExhibitError';
  }
}

export function isQuotaError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const inner = (err as { inner?: unknown }).inner;
  return (
    err.name === 'QuotaExceededError' ||
    /quota/i.test(err.message) ||
    (inner instanceof Error && isQuotaError(inner))
  );
}
