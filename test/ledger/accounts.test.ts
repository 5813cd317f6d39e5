// Accounts and double-entry transfers: atomic, bigint-safe, no overdraft unless allowed, exactly
// once per idempotency key under concurrent retries, balances recomputable from the log.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isLedgerError } from '../../src/ledger/errors.ts';
import { checkLedger } from '../../src/ledger/check.ts';
import { parseAmount } from '../../src/ledger/accounts.ts';
import { type TestService, alice, openService, other } from './service-helpers.ts';

let t: TestService;
beforeEach(async () => { t = await openService(); });
afterEach(() => t.service.close());

const accounts = () => t.service.accounts;
const tr = (from: string, to: string, amount: string | number, key: string, extra: { currency?: string; memo?: string } = {}) =>
  accounts().transfer(alice, { from, to, amount, currency: extra.currency ?? 'EUR', idempotencyKey: key, ...(extra.memo ? { memo: extra.memo } : {}) });

async function setup(): Promise<void> {
  await accounts().open(alice, 'mint', { allowOverdraft: true });
  await accounts().open(alice, 'alice');
  await accounts().open(alice, 'bob');
}

describe('accounts', () => {
  it('are opened once, with overdraft off unless asked for', async () => {
    const a = await accounts().open(alice, 'alice');
    assert.deepEqual({ id: a.id, allowOverdraft: a.allowOverdraft, balances: a.balances }, { id: 'alice', allowOverdraft: false, balances: {} });
    await assert.rejects(accounts().open(alice, 'alice', { allowOverdraft: true }), (e) => isLedgerError(e, 'exists'));
    await accounts().open(other, 'alice'); // another tenant
    await assert.rejects(accounts().open(alice, 'bad id'), (e) => isLedgerError(e, 'invalid'));
    await assert.rejects(accounts().open(alice, 'x', { allowOverdraft: 'yes' as never }), (e) => isLedgerError(e, 'invalid'));
    assert.equal(await accounts().get('acme', 'nobody'), null);
    await accounts().open(alice, 'zed');
    const page = await accounts().list('acme', { limit: 1 });
    assert.deepEqual(page.items.map((x) => x.id), ['alice']);
    assert.deepEqual((await accounts().list('acme', { after: page.next })).items.map((x) => x.id), ['zed']);
  });
});

describe('transfers', () => {
  beforeEach(setup);

  it('debit one account and credit the other by the same amount, in minor units as strings', async () => {
    const r = await tr('mint', 'alice', '1050', 'k1', { memo: 'opening' });
    assert.deepEqual({ ...r, index: 0, timestamp: '' }, {
      index: 0, timestamp: '', from: 'mint', to: 'alice', amount: '1050', currency: 'EUR', idempotencyKey: 'k1', memo: 'opening',
      balances: { from: '-1050', to: '1050' }, actor: 'user:alice', replayed: false,
    });
    await tr('alice', 'bob', 50, 'k2');
    await tr('mint', 'bob', '7', 'k3', { currency: 'USD' });
    assert.deepEqual((await accounts().get('acme', 'alice'))?.balances, { EUR: '1000' });
    assert.deepEqual((await accounts().get('acme', 'bob'))?.balances, { EUR: '50', USD: '7' });
    assert.deepEqual((await accounts().get('acme', 'mint'))?.balances, { EUR: '-1050', USD: '-7' });
    const { entry } = await t.service.entry(r.index);
    assert.equal(entry.type, 'account.transfer');
    assert.deepEqual(entry.body, { from: 'mint', to: 'alice', amount: '1050', currency: 'EUR', idempotencyKey: 'k1', memo: 'opening', balances: { from: '-1050', to: '1050' } });
  });

  it('keep amounts beyond 2^53 exact', async () => {
    const huge = '123456789012345678901234567890'; // 30 digits
    await tr('mint', 'alice', huge, 'big1');
    await tr('mint', 'alice', huge, 'big2');
    assert.equal((await accounts().get('acme', 'alice'))?.balances.EUR, (2n * BigInt(huge)).toString());
    await tr('alice', 'bob', '1', 'big3');
    assert.equal((await accounts().get('acme', 'alice'))?.balances.EUR, (2n * BigInt(huge) - 1n).toString());
    assert.equal(parseAmount(9007199254740993n), 9007199254740993n);
  });

  it('refuse an overdraft, record nothing, and leave the key free for a retry', async () => {
    await tr('mint', 'alice', '100', 'fund');
    const size = t.service.size;
    await assert.rejects(tr('alice', 'bob', '101', 'pay'), (e) => isLedgerError(e, 'insufficient-funds') && /holds 100 EUR/.test(e.message));
    await assert.rejects(tr('alice', 'bob', '1', 'pay-usd', { currency: 'USD' }), (e) => isLedgerError(e, 'insufficient-funds'));
    assert.equal(t.service.size, size);
    assert.equal(await accounts().getTransfer('acme', 'pay'), null);
    await tr('mint', 'alice', '1', 'topup');
    const ok = await tr('alice', 'bob', '101', 'pay');
    assert.deepEqual(ok.balances, { from: '0', to: '101' });
  });

  it('refuse bad input and changes nothing', async () => {
    const size = t.service.size;
    const bad: Array<[Promise<unknown>, string]> = [
      [tr('alice', 'alice', '1', 'x'), 'invalid'],
      [tr('alice', 'nobody', '1', 'x'), 'not-found'],
      [tr('nobody', 'alice', '1', 'x'), 'not-found'],
      [tr('mint', 'alice', '0', 'x'), 'invalid'],
      [tr('mint', 'alice', '-5', 'x'), 'invalid'],
      [tr('mint', 'alice', '05', 'x'), 'invalid'],
      [tr('mint', 'alice', '1.5', 'x'), 'invalid'],
      [tr('mint', 'alice', 1.5, 'x'), 'invalid'],
      [tr('mint', 'alice', 2 ** 53, 'x'), 'invalid'],
      [tr('mint', 'alice', '1'.repeat(31), 'x'), 'invalid'],
      [tr('mint', 'alice', ' 1', 'x'), 'invalid'],
      [tr('mint', 'alice', '1', 'x', { currency: 'eur' }), 'invalid'],
      [tr('mint', 'alice', '1', 'x', { currency: 'E' }), 'invalid'],
      [tr('mint', 'alice', '1', 'has space'), 'invalid'],
      [tr('mint', 'alice', '1', ''), 'invalid'],
      [tr('mint', 'alice', '1', 'k'.repeat(256)), 'invalid'],
      [tr('mint', 'alice', '1', 'x', { memo: 'a\nb' }), 'invalid'],
      [accounts().transfer(alice, null as never), 'invalid'],
      [accounts().transfer(other, { from: 'mint', to: 'alice', amount: '1', currency: 'EUR', idempotencyKey: 'x' }), 'not-found'],
    ];
    for (const [p, code] of bad) await assert.rejects(p, (e) => isLedgerError(e, code as never), code);
    assert.equal(t.service.size, size);
  });

  it('happen exactly once per idempotency key under many concurrent identical calls, all with the same answer', async () => {
    await tr('mint', 'alice', '1000', 'fund');
    const size = t.service.size;
    const results = await Promise.all(Array.from({ length: 64 }, () => tr('alice', 'bob', '10', 'retry-me')));
    assert.equal(t.service.size, size + 1, 'one entry for 64 calls');
    assert.equal(results.filter((r) => !r.replayed).length, 1);
    const strip = (r: object) => ({ ...r, replayed: undefined });
    for (const r of results) assert.deepEqual(strip(r), strip(results[0] as object));
    assert.deepEqual((await accounts().get('acme', 'alice'))?.balances, { EUR: '990' });
    assert.deepEqual((await accounts().getTransfer('acme', 'retry-me'))?.balances, { from: '990', to: '10' });
    // A later retry gets the same answer too, even after other transfers moved the balances.
    await tr('alice', 'bob', '5', 'another');
    assert.deepEqual(strip(await tr('alice', 'bob', '10', 'retry-me')), strip(results[0] as object));
  });

  it('refuse an idempotency key reused for a different transfer', async () => {
    await tr('mint', 'alice', '10', 'k');
    for (const p of [tr('mint', 'alice', '11', 'k'), tr('mint', 'bob', '10', 'k'), tr('mint', 'alice', '10', 'k', { currency: 'USD' }), tr('mint', 'alice', '10', 'k', { memo: 'm' })]) {
      await assert.rejects(p, (e) => isLedgerError(e, 'idempotency-key-reused'));
    }
    // Keys are per tenant.
    await accounts().open(other, 'a', { allowOverdraft: true });
    await accounts().open(other, 'b');
    assert.equal((await accounts().transfer(other, { from: 'a', to: 'b', amount: 3, currency: 'EUR', idempotencyKey: 'k' })).replayed, false);
  });

  it('stay consistent under concurrent transfers over shared accounts (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.integer({ min: 1, max: 60 }), fc.nat(7)), { minLength: 1, maxLength: 40 }),
      async (ops) => {
        const s = await openService();
        try {
          const ids = ['a0', 'a1', 'a2', 'a3'];
          await s.service.accounts.open(alice, 'src', { allowOverdraft: true });
          for (const id of ids) await s.service.accounts.open(alice, id);
          for (const id of ids) await s.service.accounts.transfer(alice, { from: 'src', to: id, amount: '100', currency: 'EUR', idempotencyKey: `seed-${id}` });
          // All at once: some overdraw, some repeat a key (same parameters), the rest go through.
          const settled = await Promise.allSettled(ops.map(([f, d, amount, k]) => s.service.accounts.transfer(alice, {
            from: ids[f] as string, to: ids[(f + 1 + (d % 3)) % 4] as string, amount, currency: 'EUR', idempotencyKey: `op-${f}-${d}-${amount}-${k % 3}`,
          })));
          for (const r of settled) if (r.status === 'rejected') assert.ok(isLedgerError(r.reason, 'insufficient-funds'), String(r.reason));
          // Model: replay the effective transfers in log order.
          const effective = new Map<number, { from: string; to: string; amount: string }>();
          for (const r of settled) if (r.status === 'fulfilled') effective.set(r.value.index, r.value);
          const model = new Map(ids.map((id) => [id, 100n]));
          for (const [, x] of [...effective].sort((a, b) => a[0] - b[0])) {
            model.set(x.from, (model.get(x.from) as bigint) - BigInt(x.amount));
            model.set(x.to, (model.get(x.to) as bigint) + BigInt(x.amount));
            assert.ok((model.get(x.from) as bigint) >= 0n, 'no account went below zero');
          }
          for (const id of ids) assert.equal((await s.service.accounts.get('acme', id))?.balances.EUR ?? '0', String(model.get(id)));
          const report = await checkLedger({ store: s.store, state: s.state, verifiers: [s.verifier] });
          assert.equal(report.problem, null, report.problem?.message);
        } finally {
          await s.service.close();
        }
      }), { numRuns: 25 });
  });
});
