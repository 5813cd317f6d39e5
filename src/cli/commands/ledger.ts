// `cairn ledger verify|proof|check-proof`.
//
//   verify       end to end, on the data dir itself with the node stopped (like fsck): every leaf
//                re-hashed, every node recomputed, every checkpoint's signature and the consistency
//                between them, the documents and balances rebuilt from the log and compared.
//   proof        asks a node for an inclusion proof of one entry and prints a self-contained JSON
//                bundle (leaf, audit path, signed checkpoint, verifier key).
//   check-proof  checks such a bundle with no server.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLedger, type CheckReport, type CheckStage } from '../../ledger/check.ts';
import { isLedgerError } from '../../ledger/errors.ts';
import { formatVerifierKey, parseVerifierKey, type NoteVerifier } from '../../ledger/note.ts';
import { PROOF_BUNDLE_FORMAT, checkProofBundle, type ProofBundle } from '../../ledger/proof-bundle.ts';
import { LEDGER_DB_FILE, loadLedgerKey, openLedgerFiles } from '../../node/ledger.ts';
import type { Context } from '../context.ts';
import { CliError, EXIT_VERIFY } from '../errors.ts';
import { displayPath, plural } from '../output.ts';

export interface VerifyOptions {
  key?: string;
  fromCheckpoint?: string;
}

function readInput(file: string, what: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { hint: `pass the path of a ${what} (or - for stdin)` });
  }
}

function verifierFrom(text: string, flag: string): NoteVerifier {
  try {
    return parseVerifierKey(text.trim());
  } catch (err) {
    throw new CliError(`${flag}: ${(err as Error).message}`, { hint: 'a verifier key looks like <origin>+<8 hex digits>+<base64>, as GET /api/v1/ledger/key serves it' });
  }
}

export async function ledgerVerifyCommand(ctx: Context, opts: VerifyOptions): Promise<void> {
  const dbPath = join(ctx.dataDir, LEDGER_DB_FILE);
  if (!existsSync(dbPath)) {
    throw new CliError(`no ledger at ${displayPath(dbPath)}`, { hint: 'pass the data dir of a node with --data-dir (default ./.cairn); a node creates ledger.db on its first start' });
  }
  let verifier: NoteVerifier;
  if (opts.key !== undefined) {
    verifier = verifierFrom(opts.key, '--key');
  } else {
    try {
      const key = loadLedgerKey(ctx.dataDir, { create: false });
      verifier = parseVerifierKey(formatVerifierKey(key.signer.name, key.signer.publicKey));
    } catch (err) {
      throw new CliError(`cannot load the log's key: ${(err as Error).message}`, { hint: 'or pass the verifier key with --key (GET /api/v1/ledger/key)' });
    }
  }
  const trusted = opts.fromCheckpoint !== undefined ? readInput(opts.fromCheckpoint, 'checkpoint') : undefined;

  const { store, state } = openLedgerFiles(ctx.dataDir);
  let report: CheckReport;
  let last = 0;
  try {
    const progress = (stage: CheckStage, done: number, total: number): void => {
      const now = Date.now();
      if (ctx.json || now - last < 1000 || done === total) return;
      last = now;
      ctx.info(`verifying (${stage}): ${done}/${total} entries`);
    };
    report = await checkLedger({ store, state, verifiers: [verifier], origin: verifier.name, ...(trusted !== undefined ? { trustedCheckpoint: trusted } : {}), onProgress: progress });
  } finally {
    await store.close();
    await state.close();
  }

  if (ctx.json) ctx.printJson({ ledger: dbPath, origin: verifier.name, ...report });
  else {
    ctx.print(`ledger ${displayPath(dbPath)} (${verifier.name})`);
    ctx.print(`  log          ${plural(report.size, 'entry', 'entries')}${report.rootHash ? `, root ${report.rootHash}` : ''}`);
    ctx.print(`  checked      ${report.entriesChecked} entries re-hashed, ${report.nodesChecked} stored hashes recomputed, ${plural(report.actorSignaturesChecked, 'actor signature')}`);
    ctx.print(`  checkpoints  ${report.checkpointsChecked} signatures and roots, ${plural(report.consistencyProofsChecked, 'consistency proof')} between them`);
    if (report.trustedCheckpointSize !== null) ctx.print(`  trusted      the log still holds the tree of the given checkpoint (size ${report.trustedCheckpointSize})`);
    if (report.stateApplied !== null && report.problem === null) ctx.print(`  state        ${plural(report.stateRowsCompared, 'row')} equal to a replay of the log's first ${report.stateApplied} entries; balances sum to zero`);
    for (const w of report.warnings) ctx.warn(w);
  }
  if (report.problem) {
    throw new CliError(`the ledger does not verify (${report.problem.stage}): ${report.problem.message}`, {
      hint: 'this is the first discrepancy found; restore ledger.db from a backup that verifies, and keep this output',
      exitCode: EXIT_VERIFY,
    });
  }
  if (!ctx.json) ctx.print('ok: the ledger verifies');
}

export async function ledgerProofCommand(ctx: Context, indexArg: string, opts: { size?: string }): Promise<void> {
  const parseIndex = (v: string, flag: string): number => {
    if (!/^(?:0|[1-9][0-9]{0,15})$/.test(v) || !Number.isSafeInteger(Number(v))) throw new CliError(`${flag} "${v}": expected an entry index (a non-negative integer)`, { hint: 'e.g. `cairn ledger proof 42`' });
    return Number(v);
  };
  const index = parseIndex(indexArg, '<index>');
  const size = opts.size !== undefined ? parseIndex(opts.size, '--size') : undefined;
  const client = ctx.client();
  const [key, entry, proof] = await Promise.all([client.ledgerKey(), client.ledgerEntry(index), client.inclusionProof(index, size)]);
  if (proof.checkpoint === null) {
    throw new CliError(`the log signed no checkpoint at tree size ${proof.size}, so this proof could not be checked offline`, { hint: 'omit --size to use the latest checkpoint' });
  }
  const bundle: ProofBundle = {
    format: PROOF_BUNDLE_FORMAT, origin: proof.checkpoint.slice(0, proof.checkpoint.indexOf('\n')), key: key.trim(), index, size: proof.size,
    leaf: entry.data, leafHash: entry.leafHash, hashes: proof.hashes, checkpoint: proof.checkpoint,
  };
  try {
    checkProofBundle(bundle); // never print a proof that does not hold
  } catch (err) {
    throw new CliError(`the node answered a proof that does not verify: ${(err as Error).message}`, { hint: 'run `cairn ledger verify` on the node\'s data dir', exitCode: EXIT_VERIFY });
  }
  ctx.printJson(bundle);
  ctx.info(`proof of entry ${index} at tree size ${proof.size}; check it anywhere with \`cairn ledger check-proof <file> --key '${bundle.key}'\``);
}

export async function ledgerCheckProofCommand(ctx: Context, file: string, opts: { key?: string[] }): Promise<void> {
  const text = readInput(file, 'proof');
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not JSON: ${(err as Error).message}`, { hint: 'pass the output of `cairn ledger proof <index>`' });
  }
  const keys = opts.key ?? [];
  keys.forEach((k) => verifierFrom(k, '--key'));
  let checked;
  try {
    checked = checkProofBundle(bundle, { trustedKeys: keys });
  } catch (err) {
    if (!isLedgerError(err)) throw err;
    throw new CliError(`the proof does not verify: ${err.message}`, {
      hint: keys.length > 0 ? 'is --key the key of the log this proof claims to come from?' : 'the bundle is not a valid proof of its entry',
      exitCode: EXIT_VERIFY,
    });
  }
  const e = checked.entry;
  if (ctx.json) {
    ctx.printJson({ ok: true, index: checked.index, size: checked.size, origin: checked.origin, key: checked.keyId, rootHash: checked.rootHash, pinned: keys.length > 0, entry: e, signedByActor: checked.signedByActor });
  } else {
    ctx.print(`ok: entry ${checked.index} is in the log ${checked.origin} at tree size ${checked.size} (root ${checked.rootHash}), signed by ${checked.keyId}`);
    ctx.print(`  ${e.type} · tenant ${e.tenant} · actor ${e.actor} · ${e.timestamp}${checked.signedByActor ? ' · signed by its actor' : ''}`);
  }
  if (keys.length === 0) ctx.warn('the verifier key came from the proof itself, so this shows the proof is sound, not whose log it is: pin the log\'s key with --key');
}
