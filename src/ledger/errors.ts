// The one error type the ledger library throws for conditions a caller must tell apart. `code` is
// stable, so the API layer can map it to an RFC 9457 problem (4xx for the caller's mistakes, 5xx
// for `corrupt`) without matching on messages.

export type LedgerErrorCode =
  /** An entry, envelope, key, note or checkpoint is malformed or breaks a documented limit. */
  | 'invalid'
  /** An actor's signature over an entry does not verify. */
  | 'bad-signature'
  /** An entry or body is larger than the configured maximum. */
  | 'too-large'
  /** An index, tree size or proof range lies outside the tree. */
  | 'out-of-range'
  /** Another writer extended the log first (optimistic concurrency in the store). */
  | 'conflict'
  /** The ledger was closed; nothing more is accepted. */
  | 'closed'
  /** Stored data contradicts itself (a hash that does not match, a node that is missing). */
  | 'corrupt'
  /** A table, document, revision, account or identity that does not exist. */
  | 'not-found'
  /** A table, document, account or identity that already exists. */
  | 'exists'
  /** The caller's expected revision (optimistic concurrency) is not the current one. */
  | 'revision-mismatch'
  /** A transfer would take an account that does not allow overdraft below zero. */
  | 'insufficient-funds'
  /** An idempotency key was used before with different parameters. */
  | 'idempotency-key-reused';

export class LedgerError extends Error {
  readonly code: LedgerErrorCode;

  constructor(code: LedgerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LedgerError';
    this.code = code;
  }
}

/** True when `err` is a LedgerError (of `code`, when given). */
export function isLedgerError(err: unknown, code?: LedgerErrorCode): err is LedgerError {
  return err instanceof LedgerError && (code === undefined || err.code === code);
}
