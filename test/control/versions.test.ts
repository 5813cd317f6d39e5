import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sha256Hex } from '../../src/shared/ids.ts';
import { versionId } from '../../src/control/versions.ts';
import { parseFunctionConfig } from '../../src/config/schema.ts';
import { startHarness, assertRejected, DATA_PLANE, MODULE, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness(); });
after(() => h.close());

const post = (name: string, json: unknown, extra: { token?: string; headers?: Record<string, string> } = {}) =>
  h.api(`/api/v1/functions/${name}/versions`, { method: 'POST', json, ...extra });

test('deploy creates a content-addressed version, makes it current and answers 201 with routes', async () => {
  const config = { routes: ['/api/', 'shop.example.com/'], limits: { memoryMb: 256 }, vars: { MODE: 'prod' } };
  const changedBefore = h.changed.length;
  const r = await post('hello', { code: MODULE, config });
  assert.equal(r.status, 201, r.text);
  const normalised = parseFunctionConfig(config);
  assert.ok(normalised.ok);
  assert.equal(r.body.function, 'hello');
  assert.equal(r.body.created, true);
  assert.equal(r.body.previous, null);
  assert.equal(r.body.version.id, versionId(MODULE, normalised.config));
  assert.match(r.body.version.id, /^v[0-9a-f]{20}$/);
  assert.equal(r.body.version.number, 1);
  assert.equal(r.body.version.size, Buffer.byteLength(MODULE));
  assert.equal(r.body.version.sha256, sha256Hex(MODULE));
  assert.equal(r.body.version.config.limits.memoryMb, 256);
  assert.equal(r.body.version.config.limits.cpuMs, 50, 'the stored config is normalised with defaults');
  assert.equal(typeof r.body.version.createdAt, 'number');
  assert.deepEqual(r.body.routes, [`${DATA_PLANE}/hello/`, `${DATA_PLANE}/api/`, 'http://shop.example.com/']);
  assert.deepEqual(h.changed.slice(changedBefore), [['default', 'hello']]);
  const fn = await h.storage.getFunction('default', 'hello');
  assert.equal(fn?.currentVersion, r.body.version.id);
  assert.equal(await h.storage.getCode(sha256Hex(MODULE)), MODULE);
});

test('deploying the identical version answers 200 created=false; explicit defaults are the same version', async () => {
  const first = await post('same', { code: MODULE });
  assert.equal(first.status, 201);
  const again = await post('same', { code: MODULE });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.created, false);
  assert.equal(again.body.version.id, first.body.version.id);
  assert.equal(again.body.version.number, 1);
  // The normalised config is what is hashed, in canonical (sorted-key) JSON: spelling out defaults changes nothing.
  const spelled = await post('same', { config: { scaling: { policy: 'fixed', concurrency: 1 }, limits: { memoryMb: 128, cpuMs: 50 } }, code: MODULE });
  assert.equal(spelled.status, 200);
  assert.equal(spelled.body.version.id, first.body.version.id);
  const other = await post('same', { code: MODULE, config: { limits: { memoryMb: 129 } } });
  assert.equal(other.status, 201);
  assert.notEqual(other.body.version.id, first.body.version.id);
  assert.equal(other.body.version.number, 2);
  assert.equal(other.body.previous, first.body.version.id);
});

test('versions are listed newest first without code, paginated, and fetched one by one', async () => {
  const a = await h.deploy('paged', { code: MODULE + '// 1\n' });
  const b = await h.deploy('paged', { code: MODULE + '// 2\n' });
  const c = await h.deploy('paged', { code: MODULE + '// 3\n' });
  const all = await h.api('/api/v1/functions/paged/versions');
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.items.map((v: any) => v.id), [c.version.id, b.version.id, a.version.id]);
  assert.equal(all.body.nextCursor, null);
  assert.equal('code' in all.body.items[0], false);
  assert.deepEqual(Object.keys(all.body.items[0]).sort(), ['config', 'createdAt', 'id', 'number', 'sha256', 'size']);
  const p1 = await h.api('/api/v1/functions/paged/versions?limit=2');
  assert.equal(p1.body.items.length, 2);
  assert.ok(p1.body.nextCursor);
  const p2 = await h.api(`/api/v1/functions/paged/versions?limit=2&cursor=${encodeURIComponent(p1.body.nextCursor)}`);
  assert.deepEqual(p2.body.items.map((v: any) => v.id), [a.version.id]);
  assert.equal(p2.body.nextCursor, null);
  const one = await h.api(`/api/v1/functions/paged/versions/${b.version.id}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, b.version);
});

test('rollback without `to` serves the version current before the current one, and toggles back', async () => {
  const v1 = await h.deploy('roll', { code: MODULE + '// v1\n' });
  const v2 = await h.deploy('roll', { code: MODULE + '// v2\n' });
  const changedBefore = h.changed.length;
  const r = await h.api('/api/v1/functions/roll/rollback', { method: 'POST' }); // no body at all
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.function, 'roll');
  assert.equal(r.body.version.id, v1.version.id);
  assert.equal(r.body.previous, v2.version.id);
  assert.equal((await h.storage.getFunction('default', 'roll'))?.currentVersion, v1.version.id);
  assert.deepEqual(h.changed.slice(changedBefore), [['default', 'roll']]);
  const back = await h.api('/api/v1/functions/roll/rollback', { method: 'POST', json: {} });
  assert.equal(back.body.version.id, v2.version.id);
  assert.equal(back.body.previous, v1.version.id);
});

test('rollback with `to` serves that version; deployments record deploys and rollbacks newest first', async () => {
  const v1 = await h.deploy('target', { code: MODULE + '// 1\n' });
  const v2 = await h.deploy('target', { code: MODULE + '// 2\n' });
  const v3 = await h.deploy('target', { code: MODULE + '// 3\n' });
  const r = await h.api('/api/v1/functions/target/rollback', { method: 'POST', json: { to: v1.version.id } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.version.id, v1.version.id);
  assert.equal(r.body.previous, v3.version.id);
  const d = await h.api('/api/v1/functions/target/deployments');
  assert.equal(d.status, 200);
  assert.deepEqual(d.body.items.map((x: any) => [x.kind, x.version, x.previous]), [
    ['rollback', v1.version.id, v3.version.id],
    ['deploy', v3.version.id, v2.version.id],
    ['deploy', v2.version.id, v1.version.id],
    ['deploy', v1.version.id, null],
  ]);
  assert.equal(d.body.items[0].actor, 'admin');
  assert.equal(typeof d.body.items[0].at, 'number');
  const page = await h.api('/api/v1/functions/target/deployments?limit=3');
  assert.equal(page.body.items.length, 3);
  assert.ok(page.body.nextCursor);
});

test('rollback is refused when there is nothing to roll back to, or the version is unknown', async () => {
  await h.deploy('single');
  const none = await assertRejected(h, 409, 'no-previous-version', () => h.api('/api/v1/functions/single/rollback', { method: 'POST', json: {} }));
  assert.match(none.body.hint, /--to/);
  await assertRejected(h, 404, 'version-not-found', () => h.api('/api/v1/functions/single/rollback', { method: 'POST', json: { to: 'v00000000000000000000' } }));
  await assertRejected(h, 404, 'function-not-found', () => h.api('/api/v1/functions/missing/rollback', { method: 'POST', json: {} }));
  const bad = await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/single/rollback', { method: 'POST', json: { to: 42 } }));
  assert.match(bad.body.errors[0], /^to: /);
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/single/rollback', { method: 'POST', json: { version: 'v1' } }));
  await assertRejected(h, 400, 'bad-json', () => h.api('/api/v1/functions/single/rollback', { method: 'POST', body: '{"to":', headers: { 'content-type': 'application/json' } }));
  await assertRejected(h, 415, 'unsupported-media-type', () => h.api('/api/v1/functions/single/rollback', { method: 'POST', body: 'to=v1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/Single/rollback', { method: 'POST', json: {} }));
});

test('deploy rejects an invalid config with the exact field paths, changing nothing', async () => {
  await h.deploy('cfg');
  const r = await assertRejected(h, 422, 'invalid-config', () => post('cfg', { code: MODULE + '//x', config: { limits: { memoryMb: 4 }, scaling: { minInstances: 5, maxInstances: 2 }, routes: ['not a route'], vars: { 'bad-name': 'x' } } }));
  const paths = r.body.errors.map((e: string) => e.slice(0, e.indexOf(': ')));
  assert.ok(paths.includes('config.limits.memoryMb'), r.text);
  assert.ok(paths.includes('config.routes[0]'), r.text);
  assert.ok(paths.includes('config.scaling.minInstances'), r.text);
  assert.ok(paths.some((p: string) => p.startsWith('config.vars')), r.text);
  const unknown = await assertRejected(h, 422, 'invalid-config', () => post('cfg', { code: MODULE, config: { limits: { memory: 1 } } }));
  assert.match(unknown.body.errors[0], /^config\.limits: .*memory/);
  const notObject = await assertRejected(h, 422, 'invalid-config', () => post('cfg', { code: MODULE, config: 'fast' }));
  assert.match(notObject.body.errors[0], /^config: /);
});

test('deploy rejects secrets that do not exist in the tenant, with a hint to create them', async () => {
  const r = await assertRejected(h, 422, 'invalid-config', () => post('needs-secret', { code: MODULE, config: { secrets: ['API_KEY'] } }));
  assert.match(r.body.errors[0], /^config\.secrets\[0\]: .*API_KEY/);
  assert.match(r.body.hint, /cairn secret put/);
  assert.match(r.body.hint, /PUT \/api\/v1\/secrets/);
  assert.equal((await h.api('/api/v1/secrets/API_KEY', { method: 'PUT', json: { value: 's3cr3t' } })).status, 204);
  assert.equal((await post('needs-secret', { code: MODULE, config: { secrets: ['API_KEY'] } })).status, 201);
});

test('deploy rejects bad names, bad code and bad bodies, changing nothing', async () => {
  await h.deploy('victim');
  const name = await assertRejected(h, 422, 'invalid-request', () => post('Bad_Name', { code: MODULE }));
  assert.match(name.body.errors[0], /^name: /);
  await assertRejected(h, 422, 'invalid-request', () => post('9lives', { code: MODULE }));
  await assertRejected(h, 422, 'invalid-request', () => post('a'.repeat(64), { code: MODULE }));
  const empty = await assertRejected(h, 422, 'invalid-request', () => post('victim', { code: '' }));
  assert.match(empty.body.errors[0], /^code: /);
  const missing = await assertRejected(h, 422, 'invalid-request', () => post('victim', { config: {} }));
  assert.match(missing.body.errors[0], /^code: /);
  await assertRejected(h, 422, 'invalid-request', () => post('victim', { code: 42 }));
  await assertRejected(h, 422, 'invalid-request', () => post('victim', { code: MODULE, extra: true }));
  await assertRejected(h, 422, 'invalid-request', () => post('victim', [MODULE]));
  const syntax = await assertRejected(h, 422, 'invalid-request', () => post('victim', { code: 'export default {\n  fetch( {\n' }));
  assert.match(syntax.body.errors[0], /^code: \d+:\d+: /);
  await assertRejected(h, 400, 'bad-json', () => h.api('/api/v1/functions/victim/versions', { method: 'POST', body: '{"code": "x",}', headers: { 'content-type': 'application/json' } }));
  await assertRejected(h, 415, 'unsupported-media-type', () => h.api('/api/v1/functions/victim/versions', { method: 'POST', body: MODULE, headers: { 'content-type': 'text/javascript' } }));
  await assertRejected(h, 415, 'unsupported-media-type', () => h.api('/api/v1/functions/victim/versions', { method: 'POST', body: JSON.stringify({ code: MODULE }) }));
});

test('deploy rejects a bundle over 10 MiB and a body over 16 MiB with 413', async () => {
  await h.deploy('big');
  const code = 'export default {};\n//' + 'x'.repeat(10 * 1024 * 1024);
  const r = await assertRejected(h, 413, 'payload-too-large', () => post('big', { code }));
  assert.match(r.body.detail, /10 MiB/);
  const huge = JSON.stringify({ code: 'export default {};\n//' + 'x'.repeat(16 * 1024 * 1024) });
  await assertRejected(h, 413, 'payload-too-large', () => h.api('/api/v1/functions/big/versions', { method: 'POST', body: huge, headers: { 'content-type': 'application/json' } }));
  // Without a declared length (chunked), the limit is enforced while reading.
  const chunk = new Uint8Array(1024 * 1024).fill(0x20);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 17) controller.enqueue(chunk);
      else controller.close();
    },
  });
  await assertRejected(h, 413, 'payload-too-large', () => h.api('/api/v1/functions/big/versions', { method: 'POST', body: stream, headers: { 'content-type': 'application/json' } }));
});

test('versions, a version and deployments of unknown things are 404 with the right code', async () => {
  await h.deploy('known');
  await assertRejected(h, 404, 'function-not-found', () => h.api('/api/v1/functions/unknown/versions'));
  await assertRejected(h, 404, 'function-not-found', () => h.api('/api/v1/functions/unknown/versions/v1'));
  await assertRejected(h, 404, 'function-not-found', () => h.api('/api/v1/functions/unknown/deployments'));
  const v = await assertRejected(h, 404, 'version-not-found', () => h.api('/api/v1/functions/known/versions/v00000000000000000000'));
  assert.match(v.body.hint, /versions/);
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/known/versions?limit=0'));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/known/versions?limit=201'));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/known/deployments?limit=many'));
  await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/known/deployments?cursor=not-a-cursor'));
});

test('a deploy without a body names the missing field', async () => {
  const r = await assertRejected(h, 422, 'invalid-request', () => h.api('/api/v1/functions/nobody/versions', { method: 'POST' }));
  assert.match(r.body.errors[0], /^code: expected a string/);
});
