// Entries (entry.ts) on a Ledger: validate, verify the actor's signature, encode, append — and the
// reverse for reads. The Ledger itself stores opaque bytes; this is where they acquire meaning.
import { type CreateEntryOptions, type Entry, type EntryInput, createEntry, decodeEntry, encodeEntry } from './entry.ts';
import type { Ledger } from './ledger.ts';

export interface LoggedEntry {
  readonly index: number;
  readonly entry: Entry;
  /** The exact leaf bytes (what the API serves as `data`, base64). */
  readonly leaf: Uint8Array;
}

export class EntryLog {
  readonly ledger: Ledger;
  readonly #options: CreateEntryOptions;

  constructor(ledger: Ledger, options: CreateEntryOptions = {}) {
    this.ledger = ledger;
    this.#options = options;
  }

  /** Validates and appends; resolves once durable. Bad input or a bad signature throws before anything is written. */
  async append(input: EntryInput): Promise<LoggedEntry> {
    const entry = createEntry(input, this.#options);
    const leaf = encodeEntry(entry);
    const { index } = await this.ledger.append(leaf);
    return { index, entry, leaf };
  }

  async get(index: number): Promise<LoggedEntry> {
    const leaf = await this.ledger.getEntry(index);
    return { index, entry: decodeEntry(leaf), leaf };
  }
}
