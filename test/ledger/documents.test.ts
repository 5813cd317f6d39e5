// Documents: tables, revisions in the log, current state as a view, history, proofs.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { isLedgerError } from '../../src/ledger/errors.ts';
import { leafHash } from '../../src/ledger/hash.ts';
import { toBase64, fromBase64 } from '../../src/ledger/bytes.ts';
import { checkProofBundle } from '../../src/ledger/proof-bundle.ts';
import { checkLedger } from '../../src/ledger/check.ts';
import { type TestService, alice, bob, openService, other } from './service-helpers.ts';

let t: TestService;
beforeEach(async () => { t = await openService(); });
afterEach(() => t.service.close());

const docs = () => t.service.documents;

describe('tables', () => {
  it('are created once per tenant, listed, and recorded in the log', async () => {
    const info = await docs().createTable(alice, 'orders');
    assert.equal(info.name, 'orders');
    assert.equal(info.actor, 'user:alice');
    const { entry } = await t.service.entry(info.index);
    assert.deepEqual({ type: entry.type, tenant: entry.tenant, body: entry.body }, { type: 'doc.table', tenant: 'acme', body: { table: 'orders', op: 'create' } });
    await assert.rejects(docs().createTable(bob, 'orders'), (e) => isLedgerError(e, 'exists'));
    await docs().createTable(other, 'orders'); // another tenant's namespace
    await docs().createTable(alice, 'customers');
    assert.deepEqual((await docs().listTables('acme')).items.map((x) => x.name), ['customers', 'orders']);
    const first = await docs().listTables('acme', { limit: 1 });
    assert.deepEqual(first.items.map((x) => x.name), ['customers']);
    assert.equal(first.next, 'customers');
    assert.deepEqual((await docs().listTables('acme', { after: first.next })).items.map((x) => x.name), ['orders']);
    assert.equal((await docs().getTable('acme', 'nope')), null);
  });

  it('refuse bad names', async () => {
    for (const name of ['', '1abc', 'with space', 'a-b', 'x'.repeat(65), 'a/b']) {
      await assert.rejects(docs().createTable(alice, name), (e) => isLedgerError(e, 'invalid'), name);
    }
    assert.equal(t.service.size, 0);
  });
});

describe('documents', () => {
  beforeEach(async () => { await docs().createTable(alice, 'orders'); });

  it('insert, update, delete and re-insert are revisions chained by leaf hash', async () => {
    const r1 = await docs().insert(alice, 'orders', 'o1', { item: 'apple', qty: 1 });
    assert.equal(r1.revision, 1);
    assert.equal(r1.op, 'insert');
    assert.equal(r1.prev, null);
    const r2 = await docs().update(bob, 'orders', 'o1', { item: 'apple', qty: 2 });
    assert.equal(r2.revision, 2);
    assert.equal(r2.prev, r1.leafHash);
    assert.equal(r2.actor, 'user:bob');
    const leaf1 = (await t.service.entry(r1.index)).leaf;
    assert.equal(r1.leafHash, toBase64(leafHash(leaf1)));
    assert.deepEqual(await docs().get('acme', 'orders', 'o1'), {
      table: 'orders', id: 'o1', revision: 2, data: { item: 'apple', qty: 2 }, index: r2.index, leafHash: r2.leafHash, timestamp: r2.timestamp, actor: 'user:bob',
    });
    const r3 = await docs().delete(alice, 'orders', 'o1');
    assert.equal(r3.op, 'delete');
    assert.equal(r3.data, null);
    assert.equal(await docs().get('acme', 'orders', 'o1'), null);
    await assert.rejects(docs().update(alice, 'orders', 'o1', { x: 1 }), (e) => isLedgerError(e, 'not-found') && /deleted/.test(e.message));
    const r4 = await docs().insert(alice, 'orders', 'o1', { item: 'pear' });
    assert.equal(r4.revision, 4);
    assert.equal(r4.prev, r3.leafHash);

    const history = await docs().history('acme', 'orders', 'o1');
    assert.deepEqual(history.items.map((r) => [r.revision, r.op, r.data]), [[1, 'insert', { item: 'apple', qty: 1 }], [2, 'update', { item: 'apple', qty: 2 }], [3, 'delete', null], [4, 'insert', { item: 'pear' }]]);
    assert.deepEqual(history.items[2], r3);
    const page = await docs().history('acme', 'orders', 'o1', { limit: 3 });
    assert.equal(page.next, 3);
    assert.deepEqual((await docs().history('acme', 'orders', 'o1', { after: 3 })).items.map((r) => r.revision), [4]);
    assert.deepEqual(await docs().revision('acme', 'orders', 'o1', 2), r2);
  });

  it('stores data in canonical form and generates ids when none is given', async () => {
    const r = await docs().insert(alice, 'orders', undefined, { b: 1.0, a: [true, null, 'é'] });
    assert.match(r.id, /^[0-9a-f-]{36}$/);
    const { leaf } = await t.service.entry(r.index);
    assert.match(Buffer.from(leaf).toString(), /"data":\{"a":\[true,null,"é"\],"b":1\}/);
  });

  it('put inserts or updates; expectedRevision guards every write', async () => {
    const p1 = await docs().put(alice, 'orders', 'o2', { v: 1 }, { expectedRevision: 0 });
    assert.equal(p1.op, 'insert');
    const p2 = await docs().put(alice, 'orders', 'o2', { v: 2 });
    assert.equal(p2.op, 'update');
    const size = t.service.size;
    await assert.rejects(docs().put(alice, 'orders', 'o2', { v: 3 }, { expectedRevision: 1 }), (e) => isLedgerError(e, 'revision-mismatch') && /revision 2, not 1/.test(e.message));
    await assert.rejects(docs().delete(alice, 'orders', 'o2', { expectedRevision: 5 }), (e) => isLedgerError(e, 'revision-mismatch'));
    await assert.rejects(docs().insert(alice, 'orders', 'o3', { v: 1 }, { expectedRevision: 1 }), (e) => isLedgerError(e, 'revision-mismatch'));
    assert.equal(t.service.size, size, 'refused writes append nothing');
    assert.equal((await docs().update(alice, 'orders', 'o2', { v: 3 }, { expectedRevision: 2 })).revision, 3);
  });

  it('refuses bad input and changes nothing', async () => {
    await docs().insert(alice, 'orders', 'o1', { v: 1 });
    const size = t.service.size;
    const refusals: Array<[Promise<unknown>, string]> = [
      [docs().insert(alice, 'nope', 'x', { v: 1 }), 'not-found'],
      [docs().insert(other, 'orders', 'x', { v: 1 }), 'not-found'],
      [docs().insert(alice, 'orders', 'o1', { v: 1 }), 'exists'],
      [docs().update(alice, 'orders', 'missing', { v: 1 }), 'not-found'],
      [docs().delete(alice, 'orders', 'missing'), 'not-found'],
      [docs().insert(alice, 'orders', 'bad id', { v: 1 }), 'invalid'],
      [docs().insert(alice, 'orders', '.hidden', { v: 1 }), 'invalid'],
      [docs().insert(alice, 'orders', 'x', [1, 2] as never), 'invalid'],
      [docs().insert(alice, 'orders', 'x', null as never), 'invalid'],
      [docs().insert(alice, 'orders', 'x', { n: Number.NaN }), 'invalid'],
      [docs().insert(alice, 'orders', 'x', { d: new Date() } as never), 'invalid'],
      [docs().insert(alice, 'orders', 'x', { big: 'x'.repeat(70_000) }), 'too-large'],
      [docs().insert({ tenant: 'has space', actor: 'a' }, 'orders', 'x', { v: 1 }), 'invalid'],
      [docs().update(alice, 'orders', 'o1', { v: 1 }, { expectedRevision: -1 }), 'invalid'],
    ];
    for (const [p, code] of refusals) await assert.rejects(p, (e) => isLedgerError(e, code as never), code);
    assert.equal(t.service.size, size);
    assert.deepEqual((await docs().get('acme', 'orders', 'o1'))?.data, { v: 1 });
    await assert.rejects(docs().get('acme', 'nope', 'x'), (e) => isLedgerError(e, 'not-found'));
    await assert.rejects(docs().history('acme', 'orders', 'never'), (e) => isLedgerError(e, 'not-found'));
    await assert.rejects(docs().revision('acme', 'orders', 'o1', 2), (e) => isLedgerError(e, 'not-found'));
  });

  it('lists live documents in id order, page by page, skipping deleted ones', async () => {
    for (let i = 0; i < 12; i++) await docs().insert(alice, 'orders', `d${String(i).padStart(2, '0')}`, { i });
    for (const i of [0, 3, 4, 5, 11]) await docs().delete(alice, 'orders', `d${String(i).padStart(2, '0')}`);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { items: Array<{ id: string }>; next: string | null } = await docs().list('acme', 'orders', { after, limit: 3 });
      seen.push(...page.items.map((d) => d.id));
      if (!page.next) break;
      after = page.next;
    }
    assert.deepEqual(seen, ['d01', 'd02', 'd06', 'd07', 'd08', 'd09', 'd10']);
    assert.deepEqual((await docs().list('globex', 'orders').catch((e) => e.code)), 'not-found');
  });

  it('serialises concurrent writes to one document into a gapless revision chain', async () => {
    await docs().insert(alice, 'orders', 'hot', { n: 0 });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => docs().put(alice, 'orders', 'hot', { n: i + 1 })));
    assert.deepEqual(results.map((r) => r.revision).sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 2));
    const history = await docs().history('acme', 'orders', 'hot', { limit: 1000 });
    for (let i = 1; i < history.items.length; i++) assert.equal(history.items[i]?.prev, history.items[i - 1]?.leafHash);
    const report = await checkLedger({ store: t.store, state: t.state, verifiers: [t.verifier] });
    assert.equal(report.problem, null);
  });

  it('proves a revision is in the log at the latest or a stored checkpoint, checkable offline', async () => {
    const r1 = await docs().insert(alice, 'orders', 'p', { v: 1 });
    const old = await t.service.checkpoint();
    const r2 = await docs().update(alice, 'orders', 'p', { v: 2 });
    const latest = await docs().proof('acme', 'orders', 'p');
    assert.equal(latest.revision.revision, 2);
    assert.equal(latest.proof.index, r2.index);
    const checked = checkProofBundle(latest.proof, { trustedKeys: [t.service.verifierKey] });
    assert.equal(checked.size, t.service.size);
    assert.deepEqual(checked.entry.body, { table: 'orders', id: 'p', revision: 2, op: 'update', data: { v: 2 }, prev: r1.leafHash });

    const atOld = await docs().proof('acme', 'orders', 'p', { revision: 1, size: old.size });
    assert.equal(atOld.proof.size, old.size);
    assert.equal(atOld.proof.checkpoint, old.note);
    checkProofBundle(atOld.proof, { trustedKeys: [t.service.verifierKey] });
    await assert.rejects(docs().proof('acme', 'orders', 'p', { revision: 2, size: old.size }), (e) => isLedgerError(e, 'out-of-range'));
    await assert.rejects(docs().proof('acme', 'orders', 'p', { revision: 1, size: old.size - 1 }), (e) => isLedgerError(e, 'not-found'));
    await assert.rejects(docs().proof('acme', 'orders', 'p', { revision: 3 }), (e) => isLedgerError(e, 'not-found'));

    // A bundle whose leaf was changed no longer verifies.
    const leaf = fromBase64(latest.proof.leaf) as Uint8Array;
    const forged = Buffer.from(leaf).toString().replace('"v":2', '"v":9');
    assert.throws(() => checkProofBundle({ ...latest.proof, leaf: Buffer.from(forged).toString('base64') }), (e) => isLedgerError(e, 'invalid'));
    assert.throws(() => checkProofBundle({ ...latest.proof, leaf: Buffer.from(forged).toString('base64'), leafHash: toBase64(leafHash(Buffer.from(forged))) }), /audit path/);
  });
});
