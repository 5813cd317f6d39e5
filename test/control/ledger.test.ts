// /api/v1/ledger/...: key, checkpoints, entries and proofs in the shapes issue 4 fixes (checked with
// the RFC 9162 verifiers and the signed-note opener, as an outside verifier would), documents,
// accounts and transfers, identities, audit entries for control-plane actions, and problem+json
// for bad input that changes nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, assertProblem, assertRejected, LEDGER_ORIGIN, type Harness } from './harness.ts';
import { parseVerifierKey } from '../../src/ledger/note.ts';
import { openCheckpoint } from '../../src/ledger/checkpoint.ts';
import { verifyConsistency, verifyInclusion } from '../../src/ledger/verify.ts';
import { fromBase64 } from '../../src/ledger/bytes.ts';
import { leafHash } from '../../src/ledger/hash.ts';
import { signEntry } from '../../src/ledger/entry.ts';
import { checkProofBundle } from '../../src/ledger/proof-bundle.ts';
import { checkLedger } from '../../src/ledger/check.ts';

let h: Harness;
before(async () => { h = await startHarness({ ledger: true }); });
after(() => h.close());

const b64 = (s: string): Uint8Array => fromBase64(s) as Uint8Array;
const post = (path: string, json: unknown, extra: { token?: string; headers?: Record<string, string> } = {}) => h.api(`/api/v1/ledger${path}`, { method: 'POST', json, ...extra });
const get = (path: string, extra: { token?: string } = {}) => h.api(`/api/v1/ledger${path}`, extra);

async function checkpoint(): Promise<{ size: number; rootHash: Uint8Array; note: string }> {
  const key = await get('/key');
  const cp = await get('/checkpoint');
  const opened = openCheckpoint(cp.text, [parseVerifierKey(key.text.trim())], LEDGER_ORIGIN);
  return { size: opened.size, rootHash: opened.rootHash, note: cp.text };
}

describe('the log over HTTP', () => {
  it('serves the verifier key and the checkpoint as text, exactly as signed', async () => {
    const key = await get('/key');
    assert.equal(key.status, 200);
    assert.match(key.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(key.text, /^cairn\.test\/control\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}\n$/);
    const cp = await get('/checkpoint');
    assert.equal(cp.status, 200);
    assert.match(cp.headers.get('content-type') ?? '', /^text\/plain/);
    const opened = openCheckpoint(cp.text, [parseVerifierKey(key.text.trim())], LEDGER_ORIGIN);
    assert.equal(String(opened.size), cp.headers.get('x-cairn-tree-size'));
    assert.match(cp.text, /^cairn\.test\/control\n\d+\n[A-Za-z0-9+/]{43}=\n\n\u2014 cairn\.test\/control [A-Za-z0-9+/]+=*\n$/);
  });

  it('appends an entry, answers with its index once durable, and serves it with the exact leaf bytes', async () => {
    const r = await post('/entries', { type: 'shipment.sent', body: { id: 'S1', kg: 12.5 } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.type, 'shipment.sent');
    assert.equal(r.body.tenant, 'default');
    assert.equal(r.body.actor, 'admin');
    const got = await get(`/entries/${r.body.index}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, r.body);
    const leaf = b64(got.body.data);
    assert.equal(Buffer.from(leaf).toString(), `{"actor":"admin","body":{"id":"S1","kg":12.5},"tenant":"default","timestamp":"${got.body.timestamp}","type":"shipment.sent","v":1}`);
    assert.equal(Buffer.from(b64(got.body.leafHash)).toString('hex'), Buffer.from(leafHash(leaf)).toString('hex'));
  });

  it('takes an actor-signed entry and refuses a bad signature', async () => {
    const seed = new Uint8Array(32).fill(11);
    const fields = { type: 'reading', tenant: 'default', actor: 'admin', body: { t: 1 } };
    const ok = await post('/entries', { type: 'reading', body: { t: 1 }, signature: signEntry(fields, seed) });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.signature.alg, 'ed25519');
    await assertRejected(h, 422, 'bad-signature', () => post('/entries', { type: 'reading', body: { t: 2 }, signature: signEntry(fields, seed) }));
  });

  it('refuses bad entries with problem+json and changes nothing', async () => {
    const reserved = await assertRejected(h, 422, 'invalid-request', () => post('/entries', { type: 'control.deploy', body: {} }));
    assert.match(reserved.body.errors[0], /reserved/);
    await assertRejected(h, 422, 'invalid-request', () => post('/entries', { type: 'doc.revision', body: {} }));
    await assertRejected(h, 422, 'invalid-request', () => post('/entries', { type: 'Not A Type', body: {} }));
    await assertRejected(h, 422, 'invalid-request', () => post('/entries', { body: {} }));
    await assertRejected(h, 422, 'invalid-request', () => post('/entries', { type: 'x', body: {}, extra: 1 }));
    await assertRejected(h, 422, 'invalid-request', () => post('/entries', { type: 'x', body: {}, signature: { alg: 'rsa', publicKey: 'a', value: 'b' } }));
    await assertRejected(h, 413, 'payload-too-large', () => post('/entries', { type: 'x', body: 'y'.repeat(70_000) }));
    await assertRejected(h, 400, 'bad-json', () => h.api('/api/v1/ledger/entries', { method: 'POST', body: '{"type":', headers: { 'content-type': 'application/json' } }));
    await assertRejected(h, 404, 'not-found', () => get('/entries/999999'));
    await assertRejected(h, 422, 'invalid-request', () => get('/entries/-1'));
    await assertRejected(h, 422, 'invalid-request', () => get('/entries/01'));
  });

  it('serves RFC 9162 inclusion and consistency proofs that verify against signed checkpoints', async () => {
    for (let i = 0; i < 5; i++) await post('/entries', { type: 'tick', body: i });
    const first = await checkpoint();
    for (let i = 0; i < 6; i++) await post('/entries', { type: 'tick', body: 100 + i });
    const second = await checkpoint();
    assert.ok(second.size > first.size);

    for (const index of [0, 3, first.size - 1, second.size - 1]) {
      const r = await get(`/proofs/inclusion?index=${index}&size=${second.size}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.checkpoint, second.note, 'the proof names the checkpoint it is relative to');
      const entry = await get(`/entries/${index}`);
      const ok = verifyInclusion(leafHash(b64(entry.body.data)), index, second.size, r.body.hashes.map(b64), second.rootHash);
      assert.ok(ok, `inclusion of ${index}`);
    }
    const latest = await get('/proofs/inclusion?index=1');
    assert.equal(latest.status, 200);
    assert.ok(latest.body.size >= second.size);
    const noCheckpoint = await get(`/proofs/inclusion?index=1&size=${first.size + 1}`);
    assert.equal(noCheckpoint.body.checkpoint, null);

    const c = await get(`/proofs/consistency?from=${first.size}&to=${second.size}`);
    assert.equal(c.status, 200, c.text);
    assert.equal(c.body.checkpoint, second.note);
    assert.equal(c.body.fromCheckpoint, first.note);
    assert.ok(verifyConsistency(first.size, second.size, first.rootHash, second.rootHash, c.body.hashes.map(b64)));

    await assertRejected(h, 422, 'out-of-range', () => get(`/proofs/inclusion?index=${second.size}&size=${second.size}`));
    await assertRejected(h, 422, 'out-of-range', () => get('/proofs/inclusion?index=0&size=99999999'));
    await assertRejected(h, 422, 'out-of-range', () => get(`/proofs/consistency?from=${second.size}&to=${first.size}`));
    await assertRejected(h, 422, 'invalid-request', () => get('/proofs/inclusion?index=abc'));
    await assertRejected(h, 422, 'invalid-request', () => get('/proofs/inclusion?index=1.5'));
    await assertRejected(h, 422, 'invalid-request', () => get('/proofs/inclusion'));
    await assertRejected(h, 422, 'invalid-request', () => get('/proofs/consistency?from=&to=3'));
  });

  it('keeps each tenant\'s entries to itself; proofs and checkpoints are open to every token', async () => {
    const token = await h.tenantToken('acme');
    const own = await post('/entries', { type: 'acme.event', body: 1 }, { token });
    assert.equal(own.status, 201);
    assert.equal(own.body.tenant, 'acme');
    assert.match(own.body.actor, /^token:/);
    assert.equal((await get(`/entries/${own.body.index}`, { token })).status, 200);
    assertProblem(await get('/entries/0', { token }), 403, 'forbidden');
    assert.equal((await get('/proofs/inclusion?index=0', { token })).status, 200);
    assert.equal((await get('/checkpoint', { token })).status, 200);

    const mine = await get('/entries?limit=200', { token });
    assert.ok(mine.body.items.length >= 1);
    assert.ok(mine.body.items.every((e: { tenant: string }) => e.tenant === 'acme'));
    const all = await get('/entries?tenant=*&limit=200');
    assert.ok(all.body.items.some((e: { tenant: string }) => e.tenant === 'acme') && all.body.items.some((e: { tenant: string }) => e.tenant === 'default'));
    assertProblem(await get('/entries?tenant=*', { token }), 403, 'forbidden');
    // Pages follow the cursor to the end.
    const seen: number[] = [];
    for (let cursor: string | null = null; ;) {
      const page: { body: { items: Array<{ index: number }>; nextCursor: string | null } } = await get(`/entries?tenant=*&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.items.map((e) => e.index));
      if (!page.body.nextCursor) break;
      cursor = page.body.nextCursor;
    }
    assert.deepEqual(seen, Array.from({ length: h.ledger?.size ?? 0 }, (_, i) => i));
  });
});

describe('documents over HTTP', () => {
  it('create, read, replace, delete, history and an offline-checkable proof', async () => {
    assert.equal((await post('/tables', { name: 'parcels' })).status, 201);
    await assertRejected(h, 409, 'conflict', () => post('/tables', { name: 'parcels' }));
    await assertRejected(h, 422, 'invalid-request', () => post('/tables', { name: '9lives' }));
    assert.deepEqual((await get('/tables')).body.items.map((t: { name: string }) => t.name), ['parcels']);

    const ins = await post('/tables/parcels/documents', { id: 'P1', data: { status: 'packed' } });
    assert.equal(ins.status, 201, ins.text);
    assert.equal(ins.body.revision, 1);
    const auto = await post('/tables/parcels/documents', { data: { status: 'new' } });
    assert.match(auto.body.id, /^[0-9a-f-]{36}$/);
    await assertRejected(h, 409, 'conflict', () => post('/tables/parcels/documents', { id: 'P1', data: {} }));
    const put = await h.api('/api/v1/ledger/tables/parcels/documents/P1', { method: 'PUT', json: { data: { status: 'shipped' }, expectedRevision: 1 } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.prev, ins.body.leafHash);
    await assertRejected(h, 409, 'revision-mismatch', () => h.api('/api/v1/ledger/tables/parcels/documents/P1', { method: 'PUT', json: { data: { status: 'lost' }, expectedRevision: 1 } }));
    assert.deepEqual((await get('/tables/parcels/documents/P1')).body.data, { status: 'shipped' });
    assert.deepEqual((await get('/tables/parcels/documents?limit=1')).body.items.length, 1);

    const del = await h.api('/api/v1/ledger/tables/parcels/documents/P1?expectedRevision=2', { method: 'DELETE' });
    assert.equal(del.status, 200, del.text);
    assert.equal(del.body.op, 'delete');
    assertProblem(await get('/tables/parcels/documents/P1'), 404, 'not-found');
    const history = await get('/tables/parcels/documents/P1/history');
    assert.deepEqual(history.body.items.map((r: { op: string }) => r.op), ['insert', 'update', 'delete']);
    const page = await get('/tables/parcels/documents/P1/history?limit=2');
    assert.equal(page.body.nextCursor, '2');
    assert.deepEqual((await get('/tables/parcels/documents/P1/history?cursor=2')).body.items.map((r: { revision: number }) => r.revision), [3]);

    const proof = await get('/tables/parcels/documents/P1/proof?revision=2');
    assert.equal(proof.status, 200, proof.text);
    assert.equal(proof.body.revision.revision, 2);
    const key = (await get('/key')).text.trim();
    const checked = checkProofBundle(proof.body.proof, { trustedKeys: [key] });
    assert.deepEqual((checked.entry.body as { data: unknown }).data, { status: 'shipped' });

    await assertRejected(h, 404, 'not-found', () => get('/tables/nope/documents'));
    await assertRejected(h, 404, 'not-found', () => post('/tables/nope/documents', { data: {} }));
    await assertRejected(h, 422, 'invalid-request', () => post('/tables/parcels/documents', { id: 'P2', data: [1] }));
    await assertRejected(h, 422, 'invalid-request', () => post('/tables/parcels/documents', { id: 'bad id', data: {} }));
    await assertRejected(h, 422, 'invalid-request', () => get('/tables/parcels/documents/bad%20id'));
    await assertRejected(h, 413, 'payload-too-large', () => post('/tables/parcels/documents', { id: 'P3', data: { x: 'y'.repeat(70_000) } }));
    await assertRejected(h, 404, 'not-found', () => get('/tables/parcels/documents/P1/proof?revision=9'));
    await assertRejected(h, 404, 'not-found', () => get('/tables/parcels/documents/P1/proof?size=1'));
  });
});

describe('accounts and transfers over HTTP', () => {
  it('transfer exactly once under concurrent retries, refuse overdrafts, serve balances as strings', async () => {
    assert.equal((await post('/accounts', { id: 'treasury', allowOverdraft: true })).status, 201);
    assert.equal((await post('/accounts', { id: 'alice' })).status, 201);
    assert.equal((await post('/accounts', { id: 'bob' })).status, 201);
    await assertRejected(h, 409, 'conflict', () => post('/accounts', { id: 'bob' }));
    const fund = await post('/transfers', { from: 'treasury', to: 'alice', amount: '99999999999999999999', currency: 'EUR', idempotencyKey: 'fund-1' });
    assert.equal(fund.status, 201, fund.text);

    const size = h.ledger?.size ?? 0;
    const tries = await Promise.all(Array.from({ length: 20 }, () => post('/transfers', { from: 'alice', to: 'bob', amount: '2500', currency: 'EUR' }, { headers: { 'idempotency-key': 'pay-7' } })));
    assert.equal(h.ledger?.size, size + 1, 'twenty retries, one transfer');
    assert.deepEqual(tries.map((r) => r.status).sort(), [...Array(19).fill(200), 201]);
    for (const r of tries) {
      assert.deepEqual({ ...r.body, replayed: null }, { ...tries[0]?.body, replayed: null });
      assert.equal(r.headers.get('idempotent-replayed'), r.status === 200 ? 'true' : null);
    }
    const alice = await get('/accounts/alice');
    assert.deepEqual(alice.body.balances, { EUR: '99999999999999997499' });
    assert.deepEqual((await get('/accounts/bob')).body.balances, { EUR: '2500' });
    assert.equal((await get('/transfers/pay-7')).body.index, tries[0]?.body.index);
    assert.deepEqual((await get('/accounts')).body.items.map((a: { id: string }) => a.id), ['alice', 'bob', 'treasury']);

    await assertRejected(h, 409, 'insufficient-funds', () => post('/transfers', { from: 'bob', to: 'alice', amount: '2501', currency: 'EUR', idempotencyKey: 'over' }));
    await assertRejected(h, 404, 'not-found', () => get('/transfers/over'));
    await assertRejected(h, 422, 'idempotency-key-reused', () => post('/transfers', { from: 'alice', to: 'bob', amount: '1', currency: 'EUR', idempotencyKey: 'pay-7' }));
    await assertRejected(h, 422, 'invalid-request', () => post('/transfers', { from: 'alice', to: 'bob', amount: '1', currency: 'EUR' }));
    await assertRejected(h, 422, 'invalid-request', () => post('/transfers', { from: 'alice', to: 'bob', amount: '1', currency: 'EUR', idempotencyKey: 'a' }, { headers: { 'idempotency-key': 'b' } }));
    await assertRejected(h, 422, 'invalid-request', () => post('/transfers', { from: 'alice', to: 'bob', amount: 1.5, currency: 'EUR', idempotencyKey: 'x1' }));
    await assertRejected(h, 422, 'invalid-request', () => post('/transfers', { from: 'alice', to: 'bob', amount: '-1', currency: 'EUR', idempotencyKey: 'x2' }));
    await assertRejected(h, 404, 'not-found', () => post('/transfers', { from: 'alice', to: 'carol', amount: '1', currency: 'EUR', idempotencyKey: 'x3' }));
    await assertRejected(h, 404, 'not-found', () => get('/accounts/carol'));
    // Another tenant sees none of it.
    const token = await h.tenantToken('acme');
    await assertRejected(h, 404, 'not-found', () => get('/accounts/alice', { token }));
  });
});

describe('identities over HTTP', () => {
  it('serve a registered key, its did:key and every rotation', async () => {
    const ledger = h.ledger;
    assert.ok(ledger);
    const caller = { tenant: 'default', actor: 'admin' };
    await ledger.identities.registerKey(caller, 'device:meter-1', 'device', new Uint8Array(32).fill(1));
    await ledger.identities.rotateKey(caller, 'device:meter-1', new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
    const r = await get('/identities/device:meter-1');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.version, 2);
    assert.match(r.body.did, /^did:key:z6Mk/);
    assert.deepEqual(r.body.keys.map((k: { version: number }) => k.version), [1, 2]);
    await assertRejected(h, 404, 'not-found', () => get('/identities/device:unknown'));
  });
});

describe('audit entries for control-plane actions', () => {
  it('record every action with its actor after it succeeded, and never a secret', async () => {
    const from = h.ledger?.size ?? 0;
    await h.deploy('audited', { code: 'export default { fetch() { return new Response("1"); } };\n' });
    await h.deploy('audited', { code: 'export default { fetch() { return new Response("2"); } };\n' });
    assert.equal((await h.api('/api/v1/functions/audited/rollback', { method: 'POST', json: {} })).status, 200);
    assert.equal((await h.api('/api/v1/secrets/API_KEY', { method: 'PUT', json: { value: 'hunter2-very-secret' } })).status, 204);
    assert.equal((await h.api('/api/v1/secrets/API_KEY', { method: 'DELETE' })).status, 204);
    assert.equal((await h.api('/api/v1/tenants', { method: 'POST', json: { id: 'initech' } })).status, 201);
    const tok = await h.api('/api/v1/tenants/initech/tokens', { method: 'POST', json: { name: 'ci' } });
    assert.equal(tok.status, 201);
    // The tenant's own token revokes itself: the actor is that token.
    assert.equal((await h.api(`/api/v1/tenants/initech/tokens/${tok.body.id}`, { method: 'DELETE', token: tok.body.token })).status, 204);
    assert.equal((await h.api('/api/v1/functions/audited', { method: 'DELETE' })).status, 204);

    const entries = await h.ledger?.ledger.getEntries(from, h.ledger.size) ?? [];
    const logged = await Promise.all(entries.map((_, i) => h.ledger?.entry(from + i)));
    const summary = logged.map((l) => [l?.entry.type, l?.entry.tenant, l?.entry.actor]);
    assert.deepEqual(summary, [
      ['control.deploy', 'default', 'admin'],
      ['control.deploy', 'default', 'admin'],
      ['control.rollback', 'default', 'admin'],
      ['control.secret.put', 'default', 'admin'],
      ['control.secret.delete', 'default', 'admin'],
      ['control.tenant.create', 'initech', 'admin'],
      ['control.token.create', 'initech', 'admin'],
      ['control.token.revoke', 'initech', `token:${tok.body.id}`],
      ['control.function.delete', 'default', 'admin'],
    ]);
    const deploy = logged[0]?.entry.body as { function: string; version: string; created: boolean };
    assert.equal(deploy.function, 'audited');
    assert.match(deploy.version, /^v[0-9a-f]{20}$/);
    assert.equal(deploy.created, true);
    const raw = entries.map((e) => Buffer.from(e).toString()).join('\n');
    assert.equal(raw.includes('hunter2'), false, 'no secret value in the log');
    assert.equal(raw.includes(tok.body.token), false, 'no token secret in the log');
    // A refused action records nothing.
    await assertRejected(h, 404, 'function-not-found', () => h.api('/api/v1/functions/never/rollback', { method: 'POST', json: {} }));
    const report = await checkLedger({ store: h.ledger!.ledger.store, state: h.ledger!.state, verifiers: [parseVerifierKey(h.ledger!.verifierKey)] });
    assert.equal(report.problem, null);
  });
});

describe('a control plane without a ledger', () => {
  it('answers the ledger routes with 503 and audits nothing', async () => {
    const plain = await startHarness();
    try {
      for (const path of ['/api/v1/ledger/key', '/api/v1/ledger/checkpoint', '/api/v1/ledger/tables']) {
        assertProblem(await plain.api(path), 503, 'ledger-unavailable');
      }
      await plain.deploy('works-anyway');
    } finally {
      await plain.close();
    }
  });
});
