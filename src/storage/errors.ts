// Errors every storage driver throws for conditions its callers must tell apart. The `code` values
// match the admin API's stable problem codes where one fits, so the control plane can map them
// to RFC 9457 problems without string matching on messages.

export type StorageErrorCode =
  /** A write would break a uniqueness rule the caller can see (e.g. a function name owned by another tenant). */
  | 'conflict'
  /** The caller passed something malformed, e.g. a cursor that no list of this driver produced. */
  | 'invalid-request'
  /** The database was written by a newer Cairn; opening it with this code could corrupt it. */
  | 'schema-too-new';

export class StorageError extends Error {
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string) {
    super(message);
    this.name = 'StorageError';
    this.code = code;
  }
}

/** True when `err` is a storage error (of `code`, when given), from this module or any driver. */
export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  if (!(err instanceof Error) || typeof (err as { code?: unknown }).code !== 'string') return false;
  return err.name === 'StorageError' && (code === undefined || (err as StorageError).code === code);
}
