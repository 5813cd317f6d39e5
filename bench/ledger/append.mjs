// Ledger benchmark: durable appends per second with group commit on SQLite, beside the raw
// better-sqlite3 insert rate with the same durability measured in the same run (the ceiling);
// proof generation and verification at a large tree size; and a full audit's entries per second.
//
//   node --import tsx bench/ledger/append.mjs [--entries 1000000] [--clients 1024] [--samples 2000]
//
// Everything runs in this one process on one temp-dir SQLite file per phase (WAL, synchronous=FULL:
// every commit is fsynced), one phase after another. Figures go to stdout as a table and as JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Ledger, auditStore, createEd25519Signer, formatVerifierKey, leafHash, openCheckpoint, parseVerifierKey, verifyConsistency, verifyInclusion } from '../../src/ledger/index.ts';
import { SqliteLedgerStore } from '../../src/storage/sqlite/ledger-store.ts';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' }, // size of the tree the proofs are measured on
    append: { type: 'string', default: '200000' }, // appends timed for the throughput figure
    clients: { type: 'string', default: '1024' }, // appends in flight at once
    samples: { type: 'string', default: '2000' },
    'entry-bytes': { type: 'string', default: '256' },
  },
});
const N = Number(values.entries);
const APPENDS = Number(values.append);
const CLIENTS = Number(values.clients);
const SAMPLES = Number(values.samples);
const ENTRY_BYTES = Number(values['entry-bytes']);

const dir = mkdtempSync(join(tmpdir(), 'cairn-ledger-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const log = (msg) => process.stderr.write(`${msg}\n`);
const now = () => performance.now();
const entryFor = (i) => {
  const b = Buffer.alloc(ENTRY_BYTES, 0x61);
  b.write(`{"i":${i}}`);
  return b;
};
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s[s.length - 1] };
};
let seed = 42;
const rand = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return Math.floor((seed / 2147483648) * n);
};

/** Raw better-sqlite3: the same pragmas, the entry bytes only, `batch` rows per fsynced transaction. */
function rawInsertRate(count, batch) {
  const db = new Database(join(dir, `raw-${batch}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (idx INTEGER PRIMARY KEY, data BLOB NOT NULL) STRICT');
  const ins = db.prepare('INSERT INTO t (idx, data) VALUES (?, ?)');
  const tx = db.transaction((start, n) => { for (let i = start; i < start + n; i++) ins.run(i, entryFor(i)); });
  const t0 = now();
  for (let i = 0; i < count; i += batch) tx(i, Math.min(batch, count - i));
  const secs = (now() - t0) / 1000;
  db.close();
  return count / secs;
}

/** `clients` concurrent writers, each awaiting its append before the next: group commit forms the batches. */
async function ledgerAppendRate(ledger, count, clients, offset) {
  let next = 0;
  const t0 = now();
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = next++; i < count; i = next++) await ledger.append(entryFor(offset + i));
  }));
  return count / ((now() - t0) / 1000);
}

const results = { machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, entryBytes: ENTRY_BYTES };

// 1. Throughput.
log(`raw better-sqlite3 inserts (${APPENDS} rows, 1024 per transaction)…`);
results.rawBatchedInsertsPerSec = rawInsertRate(APPENDS, 1024);
log('raw better-sqlite3 inserts, one transaction (fsync) each, for 2000 rows…');
results.rawUnbatchedInsertsPerSec = rawInsertRate(2000, 1);

const origin = 'bench.cairn/ledger';
const signer = createEd25519Signer(origin, Buffer.alloc(32, 7));
const verifier = parseVerifierKey(formatVerifierKey(origin, signer.publicKey));
const ledger = await Ledger.open(SqliteLedgerStore.open(join(dir, 'ledger.db')), { origin, signer });
const batches = [];
const realAppend = ledger.store.append.bind(ledger.store);
ledger.store.append = async (b) => { batches.push(b.entries.length); return realAppend(b); };
log(`ledger appends with group commit (${APPENDS} entries, ${CLIENTS} in flight)…`);
results.ledgerAppendsPerSec = await ledgerAppendRate(ledger, APPENDS, CLIENTS, 0);
results.ledgerBatches = { count: batches.length, meanSize: APPENDS / batches.length };
log('ledger appends, one in flight (every append its own transaction), 2000 entries…');
results.ledgerSerialAppendsPerSec = await ledgerAppendRate(ledger, 2000, 1, APPENDS);
ledger.store.append = realAppend;

// 2. Grow the tree to N entries (not timed as throughput), then sign a checkpoint.
const buildStart = now();
while (ledger.size < N) {
  const n = Math.min(200_000, N - ledger.size);
  log(`building the tree: ${ledger.size} → ${ledger.size + n}…`);
  await ledgerAppendRate(ledger, n, 4096, ledger.size);
}
results.buildSecs = (now() - buildStart) / 1000;
const size = ledger.size;
const cp = openCheckpoint((await ledger.checkpoint()).note, [verifier], origin);
results.treeSize = size;

// 3. Proofs at `size`: generation reads O(log n) nodes from SQLite; verification is pure hashing.
log(`inclusion and consistency proofs at size ${size} (${SAMPLES} samples each)…`);
const incGen = [];
const incVer = [];
const conGen = [];
const conVer = [];
const oldRoots = new Map();
for (let s = 0; s < SAMPLES; s++) {
  const index = rand(size);
  let t = now();
  const proof = await ledger.inclusionProof(index, size);
  incGen.push(now() - t);
  const leaf = leafHash((await ledger.getEntry(index)));
  t = now();
  const ok = verifyInclusion(leaf, index, size, proof, cp.rootHash);
  incVer.push(now() - t);
  if (!ok) throw new Error(`inclusion proof for ${index} did not verify`);
}
for (let s = 0; s < SAMPLES; s++) {
  const from = 1 + rand(size - 1);
  if (!oldRoots.has(from)) oldRoots.set(from, await ledger.rootHash(from));
  let t = now();
  const proof = await ledger.consistencyProof(from, size);
  conGen.push(now() - t);
  t = now();
  const ok = verifyConsistency(from, size, oldRoots.get(from), cp.rootHash, proof);
  conVer.push(now() - t);
  if (!ok) throw new Error(`consistency proof from ${from} did not verify`);
}
results.inclusionProofMs = { generate: summary(incGen), verify: summary(incVer) };
results.consistencyProofMs = { generate: summary(conGen), verify: summary(conVer) };

// 4. Full audit: re-hash every entry and recompute every node, compare with the store.
log(`full audit of ${size} entries…`);
const auditStart = now();
const report = await auditStore(ledger.store, { verifiers: [verifier], origin });
results.auditEntriesPerSec = report.size / ((now() - auditStart) / 1000);
await ledger.close();

const f = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const ms = (x) => `${f(x * 1000, 1)} µs`;
process.stdout.write(`
Ledger on SQLite (WAL, synchronous=FULL), ${results.machine.cpus} × ${results.machine.model}, Node ${results.machine.node}, ${ENTRY_BYTES}-byte entries

  appends/s, ledger with group commit (${CLIENTS} in flight)   ${f(results.ledgerAppendsPerSec)}   (${results.ledgerBatches.count} transactions, mean batch ${f(results.ledgerBatches.meanSize)})
  inserts/s, raw better-sqlite3, 1024 rows per transaction     ${f(results.rawBatchedInsertsPerSec)}   (ceiling: same file settings, no hashing, no nodes)
  appends/s, ledger, one append in flight                    ${f(results.ledgerSerialAppendsPerSec)}
  inserts/s, raw better-sqlite3, one transaction per row       ${f(results.rawUnbatchedInsertsPerSec)}

  at tree size ${f(size)} (built in ${f(results.buildSecs, 1)} s):
  inclusion proof     generate p50 ${ms(results.inclusionProofMs.generate.p50)}  p99 ${ms(results.inclusionProofMs.generate.p99)}   verify p50 ${ms(results.inclusionProofMs.verify.p50)}  p99 ${ms(results.inclusionProofMs.verify.p99)}
  consistency proof   generate p50 ${ms(results.consistencyProofMs.generate.p50)}  p99 ${ms(results.consistencyProofMs.generate.p99)}   verify p50 ${ms(results.consistencyProofMs.verify.p50)}  p99 ${ms(results.consistencyProofMs.verify.p99)}
  full audit          ${f(results.auditEntriesPerSec)} entries/s (every leaf re-hashed, every node recomputed and compared, ${report.checkpointsChecked} checkpoint checked)

${JSON.stringify(results)}
`);
