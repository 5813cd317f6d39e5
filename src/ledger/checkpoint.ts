// C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text of a signed tree head.
//
//   <origin>\n              — the log's identity, non-empty
//   <tree size>\n           — ASCII decimal, no leading zeroes ("0" for the empty tree)
//   <base64 root hash>\n    — RFC 6962/9162 MTH of the tree at that size
//   [<extension line>\n …]  — optional, non-empty, opaque
//
// wrapped in a signed note (note.ts). The log's key name should equal the origin.
import { fromBase64, hasControlChar, toBase64 } from './bytes.ts';
import { LedgerError } from './errors.ts';
import { HASH_SIZE, isHash } from './hash.ts';
import { type NoteSigner, type NoteVerifier, type OpenedNote, openNote, signNote } from './note.ts';
import { isTreeSize } from './tree.ts';

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions?: readonly string[];
}

function checkLine(line: string, what: string): void {
  if (line.length === 0) throw new LedgerError('invalid', `checkpoint ${what} must be non-empty`);
  if (hasControlChar(line)) throw new LedgerError('invalid', `checkpoint ${what} contains a control character`);
}

export function formatCheckpoint(cp: Checkpoint): string {
  checkLine(cp.origin, 'origin');
  if (!isTreeSize(cp.size)) throw new LedgerError('invalid', `checkpoint tree size must be a non-negative safe integer, got ${String(cp.size)}`);
  if (!isHash(cp.rootHash)) throw new LedgerError('invalid', `checkpoint root hash must be ${HASH_SIZE} bytes`);
  const extensions = cp.extensions ?? [];
  extensions.forEach((e) => checkLine(e, 'extension line'));
  return [cp.origin, String(cp.size), toBase64(cp.rootHash), ...extensions].map((l) => `${l}\n`).join('');
}

/** Parses checkpoint note text (already verified: see openCheckpoint). */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new LedgerError('invalid', 'checkpoint text must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new LedgerError('invalid', 'a checkpoint has at least three lines: origin, tree size, root hash');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  checkLine(origin, 'origin');
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeLine)) throw new LedgerError('invalid', 'checkpoint tree size must be decimal without leading zeroes');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw new LedgerError('invalid', `checkpoint tree size ${sizeLine} exceeds 2^53 - 1`);
  const rootHash = fromBase64(rootLine);
  if (rootHash === null || rootHash.byteLength !== HASH_SIZE) throw new LedgerError('invalid', `checkpoint root hash must be base64 of ${HASH_SIZE} bytes`);
  extensions.forEach((e) => checkLine(e, 'extension line'));
  return extensions.length > 0 ? { origin, size, rootHash, extensions } : { origin, size, rootHash };
}

export function signCheckpoint(cp: Checkpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(cp), signers);
}

/**
 * Verifies a checkpoint note with the trusted keys and parses it. `origin`, when given, must match:
 * a valid signature on another log's checkpoint proves nothing about this one.
 */
export function openCheckpoint(note: string | Uint8Array, verifiers: readonly NoteVerifier[], origin?: string): Checkpoint & { readonly note: OpenedNote } {
  const opened = openNote(note, verifiers);
  const cp = parseCheckpoint(opened.text);
  if (origin !== undefined && cp.origin !== origin) {
    throw new LedgerError('invalid', `checkpoint is for origin ${JSON.stringify(cp.origin)}, expected ${JSON.stringify(origin)}`);
  }
  return { ...cp, note: opened };
}
