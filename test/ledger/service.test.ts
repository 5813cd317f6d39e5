// The ledger service: generic and audit entries, the binding entry point, state catch-up after a
// crash, and checkLedger finding forged entries, a tampered view and a rewritten log.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { isLedgerError } from '../../src/ledger/errors.ts';
import { signEntry } from '../../src/ledger/entry.ts';
import { checkLedger } from '../../src/ledger/check.ts';
import { MemoryStateStore, stateKey } from '../../src/ledger/state.ts';
import { MemoryLedgerStore } from '../../src/ledger/memory-store.ts';
import { LedgerService } from '../../src/ledger/service.ts';
import { checkProofBundle } from '../../src/ledger/proof-bundle.ts';
import { createEd25519Signer } from '../../src/ledger/note.ts';
import { type TestService, ORIGIN, alice, openService, other, signer } from './service-helpers.ts';

let t: TestService;
beforeEach(async () => { t = await openService(); });
// Tests that forge entries leave a log the state cannot follow: closing reports it.
afterEach(() => t.service.close().catch((e) => { if (!isLedgerError(e, 'corrupt')) throw e; }));

describe('entries', () => {
  it('append the caller\'s own types, verify actor signatures, and refuse reserved types', async () => {
    const e = await t.service.append(alice, { type: 'order.placed', body: { id: 1 } });
    assert.equal(e.entry.tenant, 'acme');
    assert.equal(e.entry.actor, 'user:alice');
    const seed = new Uint8Array(32).fill(3);
    const fields = { type: 'sensor.reading', tenant: 'acme', actor: 'user:alice', body: { t: 21.5 } };
    const signed = await t.service.append(alice, { type: fields.type, body: fields.body, signature: signEntry(fields, seed) });
    assert.ok(signed.entry.signature);
    await assert.rejects(t.service.append(alice, { type: fields.type, body: { t: 99 }, signature: signEntry(fields, seed) }), (e2) => isLedgerError(e2, 'bad-signature'));
    for (const type of ['doc.revision', 'account.transfer', 'identity.rotate', 'control.deploy', 'ledger.anything']) {
      await assert.rejects(t.service.append(alice, { type, body: {} }), (e2) => isLedgerError(e2, 'invalid') && /reserved/.test(e2.message), type);
    }
    await assert.rejects(t.service.append(alice, { type: 'Bad Type', body: {} }), (e2) => isLedgerError(e2, 'invalid'));
    assert.equal(t.service.size, 2);
    const audit = await t.service.audit('acme', 'admin', 'deploy', { function: 'hello' });
    assert.equal(audit.entry.type, 'control.deploy');
  });
});

describe('call (the binding entry point)', () => {
  it('runs every operation in the caller\'s tenant with JSON arguments and answers', async () => {
    await t.service.call(alice, 'tables.create', { name: 'notes' });
    const ins = await t.service.call(alice, 'documents.insert', { table: 'notes', id: 'n1', data: { text: 'hi' } }) as { revision: number };
    assert.equal(ins.revision, 1);
    assert.deepEqual((await t.service.call(alice, 'documents.get', { table: 'notes', id: 'n1' }) as { data: unknown }).data, { text: 'hi' });
    await t.service.call(alice, 'documents.put', { table: 'notes', id: 'n1', data: { text: 'bye' }, expectedRevision: 1 });
    assert.equal((await t.service.call(alice, 'documents.history', { table: 'notes', id: 'n1' }) as { items: unknown[] }).items.length, 2);
    const proof = await t.service.call(alice, 'documents.proof', { table: 'notes', id: 'n1', revision: 1 }) as { proof: unknown };
    checkProofBundle(proof.proof, { trustedKeys: [t.service.verifierKey] });
    assert.equal(await t.service.call(other, 'tables.list').then((r) => (r as { items: unknown[] }).items.length), 0, 'another tenant sees none of it');
    await assert.rejects(t.service.call(other, 'documents.get', { table: 'notes', id: 'n1' }), (e) => isLedgerError(e, 'not-found'));

    await t.service.call(alice, 'accounts.open', { id: 'src', allowOverdraft: true });
    await t.service.call(alice, 'accounts.open', { id: 'dst' });
    const tr = await t.service.call(alice, 'transfer', { from: 'src', to: 'dst', amount: '250', currency: 'EUR', idempotencyKey: 'abc' }) as { index: number; replayed: boolean };
    assert.equal(tr.replayed, false);
    assert.deepEqual((await t.service.call(alice, 'accounts.get', { id: 'dst' }) as { balances: unknown }).balances, { EUR: '250' });
    assert.equal((await t.service.call(alice, 'transfers.get', { idempotencyKey: 'abc' }) as { index: number }).index, tr.index);

    const appended = await t.service.call(alice, 'append', { type: 'app.event', body: [1, 2] }) as { index: number };
    const own = await t.service.call(alice, 'proof', { index: appended.index }) as { index: number };
    assert.equal(own.index, appended.index);
    await assert.rejects(t.service.call(other, 'proof', { index: appended.index }), (e) => isLedgerError(e, 'not-found'));
    const cp = await t.service.call(alice, 'checkpoint') as { size: number; note: string };
    assert.equal(cp.size, t.service.size);
    assert.match(cp.note, /^cairn\.test\/ledger\n/);
  });

  it('refuses unknown operations and arguments', async () => {
    await assert.rejects(t.service.call(alice, 'documents.drop', {}), (e) => isLedgerError(e, 'invalid') && /known: /.test(e.message));
    await assert.rejects(t.service.call(alice, 'tables.create', { name: 'x', extra: 1 }), (e) => isLedgerError(e, 'invalid') && /no argument "extra"/.test(e.message));
    await assert.rejects(t.service.call(alice, 'tables.create', [1] as never), (e) => isLedgerError(e, 'invalid'));
    await assert.rejects(t.service.call(alice, 'append', { type: 'doc.revision', body: {} }), (e) => isLedgerError(e, 'invalid'));
    assert.equal(t.service.size, 0);
  });
});

describe('state after a crash', () => {
  it('catches up with the log on open, and refuses a state that is ahead of its log', async () => {
    await t.service.documents.createTable(alice, 'orders');
    await t.service.documents.insert(alice, 'orders', 'o1', { v: 1 });
    await t.service.accounts.open(alice, 'a');
    // A crash between the log append and the state commit leaves the state behind: a fresh state
    // store (watermark 0) over the same log stands for the worst case.
    const fresh = new MemoryStateStore();
    const reopened = await LedgerService.open({ store: t.store, state: fresh, origin: ORIGIN, signer });
    assert.equal(reopened.applied, t.service.size);
    assert.deepEqual((await reopened.documents.get('acme', 'orders', 'o1'))?.data, { v: 1 });
    assert.ok(await reopened.accounts.get('acme', 'a'));

    const ahead = new MemoryStateStore();
    await ahead.commit({ from: 0, to: 99, puts: [] });
    await assert.rejects(LedgerService.open({ store: new MemoryLedgerStore(), state: ahead, origin: ORIGIN, signer }), (e) => isLedgerError(e, 'corrupt') && /another log/.test(e.message));
    await assert.rejects(LedgerService.open({ store: new MemoryLedgerStore(), state: new MemoryStateStore(), origin: 'other.origin', signer }), (e) => isLedgerError(e, 'invalid'));
  });
});

describe('checkLedger', () => {
  it('passes a healthy log and reports what it checked', async () => {
    await t.service.documents.createTable(alice, 'orders');
    await t.service.documents.insert(alice, 'orders', 'o1', { v: 1 });
    await t.service.checkpoint();
    await t.service.accounts.open(alice, 'src', { allowOverdraft: true });
    await t.service.accounts.open(alice, 'dst');
    await t.service.accounts.transfer(alice, { from: 'src', to: 'dst', amount: '5', currency: 'EUR', idempotencyKey: 'k' });
    const cp = await t.service.checkpoint();
    await t.service.append(alice, { type: 'app.event', body: null });
    await t.service.checkpoint();
    const r = await checkLedger({ store: t.store, state: t.state, verifiers: [t.verifier], origin: ORIGIN, trustedCheckpoint: cp.note });
    assert.equal(r.problem, null);
    assert.equal(r.ok, true);
    assert.equal(r.size, 6);
    assert.equal(r.entriesChecked, 6);
    assert.equal(r.checkpointsChecked, 3);
    assert.equal(r.consistencyProofsChecked, 2);
    assert.equal(r.trustedCheckpointSize, cp.size);
    assert.ok(r.stateRowsCompared > 5);
    assert.deepEqual(r.warnings, []);
  });

  it('finds a forged state entry and names its index', async () => {
    await t.service.accounts.open(alice, 'a');
    await t.service.accounts.open(alice, 'b');
    // Bypass the operations: append a transfer from an account with no money, with made-up balances.
    const forged = await t.service.log.append({ type: 'account.transfer', tenant: 'acme', actor: 'mallory', body: { from: 'a', to: 'b', amount: '100', currency: 'EUR', idempotencyKey: 'x', memo: null, balances: { from: '0', to: '100' } } });
    const r = await checkLedger({ store: t.store, verifiers: [t.verifier] });
    assert.equal(r.ok, false);
    assert.equal(r.problem?.stage, 'state');
    assert.match(r.problem?.message ?? '', new RegExp(`^entry ${forged.index} \\(account\\.transfer\\): account "a" goes to -100 EUR but does not allow overdraft`));
  });

  it('finds a broken revision chain', async () => {
    await t.service.documents.createTable(alice, 'orders');
    await t.service.documents.insert(alice, 'orders', 'o1', { v: 1 });
    const forged = await t.service.log.append({ type: 'doc.revision', tenant: 'acme', actor: 'mallory', body: { table: 'orders', id: 'o1', revision: 3, op: 'update', data: { v: 3 }, prev: null } });
    const r = await checkLedger({ store: t.store, verifiers: [t.verifier] });
    assert.match(r.problem?.message ?? '', new RegExp(`^entry ${forged.index} \\(doc\\.revision\\): document acme/orders/o1: revision 3 does not follow revision 1`));
  });

  it('finds a stored state row that the log does not give, and one that is missing', async () => {
    await t.service.accounts.open(alice, 'a', { allowOverdraft: true });
    await t.service.accounts.open(alice, 'b');
    await t.service.accounts.transfer(alice, { from: 'a', to: 'b', amount: '5', currency: 'EUR', idempotencyKey: 'k' });
    const applied = await t.state.appliedSize();
    await t.state.commit({ from: applied, to: applied, puts: [{ ns: 'balance', key: stateKey('acme', 'b', 'EUR'), value: { balance: '5000' } }] });
    let r = await checkLedger({ store: t.store, state: t.state, verifiers: [t.verifier] });
    assert.equal(r.problem?.stage, 'state');
    assert.equal(r.problem?.message, 'state row balance acme/b/EUR: stored {"balance":"5000"}, but replaying the log gives {"balance":"5"}');
    await t.state.commit({ from: applied, to: applied, puts: [{ ns: 'balance', key: stateKey('acme', 'b', 'EUR'), value: null }] });
    r = await checkLedger({ store: t.store, state: t.state, verifiers: [t.verifier] });
    assert.match(r.problem?.message ?? '', /^state row balance acme\/b\/EUR is missing from the stored state/);
  });

  it('finds a rewritten log with a checkpoint kept from before, and a truncated one', async () => {
    await t.service.append(alice, { type: 'app.event', body: 1 });
    await t.service.append(alice, { type: 'app.event', body: 2 });
    const kept = await t.service.checkpoint();
    // The same key signs another history of the same length.
    const rewritten = await openService();
    await rewritten.service.append(alice, { type: 'app.event', body: 1 });
    await rewritten.service.append(alice, { type: 'app.event', body: 'two' });
    await rewritten.service.append(alice, { type: 'app.event', body: 3 });
    let r = await checkLedger({ store: rewritten.store, verifiers: [rewritten.verifier], trustedCheckpoint: kept.note });
    assert.equal(r.problem?.stage, 'trusted-checkpoint');
    assert.match(r.problem?.message ?? '', /at tree size 2 is .* but the trusted checkpoint signs .*: the log was rewritten/);
    const short = await openService();
    await short.service.append(alice, { type: 'app.event', body: 1 });
    r = await checkLedger({ store: short.store, verifiers: [short.verifier], trustedCheckpoint: kept.note });
    assert.match(r.problem?.message ?? '', /holds only 1 entries: it was truncated/);
    // A checkpoint signed by another key is not trusted at all.
    const stranger = createEd25519Signer(ORIGIN, new Uint8Array(32).fill(9));
    const foreign = await LedgerService.open({ store: new MemoryLedgerStore(), state: new MemoryStateStore(), origin: ORIGIN, signer: stranger });
    r = await checkLedger({ store: t.store, verifiers: [t.verifier], trustedCheckpoint: (await foreign.checkpoint()).note });
    assert.equal(r.problem?.stage, 'trusted-checkpoint');
    await Promise.all([rewritten.service.close(), short.service.close(), foreign.close()]);
  });
});
