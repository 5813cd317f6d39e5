// Functions, versions, deployments: deploy, idempotency, numbering, rollback, conflicts, deletion.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { collect, itWith, makeInvocation, makeLog, makeVersion, rejectsWithCode, type OpenDriver } from './helpers.ts';

export function functionSuite(open: OpenDriver): void {
  describe('deployVersion', () => {
    itWith(open, 'a first deploy creates the function, version 1, its code and a deployment', async (d) => {
      const { v, code } = makeVersion('acme', 'hello', 'one');
      const r = await d.deployVersion(v, code, 2_000);
      assert.deepEqual(r, { version: { ...v, number: 1 }, created: true, previous: null });
      assert.deepEqual(await d.getVersion('acme', 'hello', v.id), { ...v, number: 1 });
      assert.equal(await d.getCode(v.sha256), code);
      assert.deepEqual(await d.getFunction('acme', 'hello'), { tenant: 'acme', name: 'hello', currentVersion: v.id, createdAt: 2_000, updatedAt: 2_000 });
      const deps = await d.listDeployments('acme', 'hello');
      assert.equal(deps.items.length, 1);
      const [dep] = deps.items;
      assert.equal(typeof dep?.id, 'number');
      assert.deepEqual({ ...dep, id: 0 }, { id: 0, tenant: 'acme', function: 'hello', version: v.id, previous: null, kind: 'deploy', actor: 'alice', at: 2_000 });
    });

    itWith(open, 'deploying an existing version is idempotent: created=false, same number, made current again', async (d) => {
      const one = makeVersion('acme', 'hello', 'one');
      const two = makeVersion('acme', 'hello', 'two');
      await d.deployVersion(one.v, one.code, 1);
      await d.deployVersion(two.v, two.code, 2);
      const again = await d.deployVersion({ ...one.v, createdAt: 999, actor: 'bob' }, one.code, 3);
      assert.equal(again.created, false);
      assert.equal(again.previous, two.v.id);
      assert.deepEqual(again.version, { ...one.v, number: 1 }); // the stored version is kept as it was
      assert.equal((await d.getFunction('acme', 'hello'))?.currentVersion, one.v.id);
      assert.equal((await d.listVersions('acme', 'hello')).items.length, 2);
      assert.equal((await d.listDeployments('acme', 'hello')).items.length, 3);
    });

    itWith(open, 'version numbers count 1, 2, 3 per function in order of first deployment', async (d) => {
      for (const [i, tag] of ['a', 'b', 'c'].entries()) {
        const { v, code } = makeVersion('acme', 'hello', tag);
        assert.equal((await d.deployVersion(v, code, i)).version.number, i + 1);
      }
      const other = makeVersion('acme', 'other', 'a');
      assert.equal((await d.deployVersion(other.v, other.code, 10)).version.number, 1);
      const page = await d.listVersions('acme', 'hello');
      assert.deepEqual(page.items.map((v) => v.number), [3, 2, 1]);
    });

    itWith(open, 'a name owned by another tenant is refused with code conflict and changes nothing', async (d) => {
      const mine = makeVersion('acme', 'shop', 'one');
      await d.deployVersion(mine.v, mine.code, 1);
      const theirs = makeVersion('globex', 'shop', 'two');
      await rejectsWithCode(d.deployVersion(theirs.v, theirs.code, 2), 'conflict');
      assert.equal(await d.getFunction('globex', 'shop'), null);
      assert.equal(await d.getCode(theirs.v.sha256), null);
      assert.equal((await d.findFunction('shop'))?.tenant, 'acme');
      assert.equal((await d.listDeployments('acme', 'shop')).items.length, 1);
    });

    itWith(open, 'a deploy that fails part-way leaves nothing behind (one transaction)', async (d) => {
      const { v, code } = makeVersion('acme', 'hello', 'one');
      const circular: Record<string, unknown> = {};
      circular.self = circular; // cannot be serialised: the write fails after the function row
      await assert.rejects(d.deployVersion({ ...v, config: circular as unknown as typeof v.config }, code, 1));
      assert.equal(await d.getFunction('acme', 'hello'), null);
      assert.equal(await d.getCode(v.sha256), null);
      assert.deepEqual((await d.listDeployments('acme', 'hello')).items, []);
    });

    itWith(open, 'one bundle shared by two functions is stored once and readable by its sha256', async (d) => {
      const a = makeVersion('acme', 'a', 'same');
      const b = makeVersion('acme', 'b', 'same');
      assert.equal(a.v.sha256, b.v.sha256);
      await d.deployVersion(a.v, a.code, 1);
      await d.deployVersion(b.v, b.code, 2);
      assert.equal(await d.getCode(a.v.sha256), a.code);
      assert.equal(await d.getCode('0'.repeat(64)), null);
    });
  });

  describe('setCurrentVersion (rollback)', () => {
    itWith(open, 'makes an earlier version current and records a rollback deployment', async (d) => {
      const one = makeVersion('acme', 'hello', 'one');
      const two = makeVersion('acme', 'hello', 'two');
      await d.deployVersion(one.v, one.code, 1);
      await d.deployVersion(two.v, two.code, 2);
      assert.deepEqual(await d.setCurrentVersion('acme', 'hello', one.v.id, 'bob', 3), { previous: two.v.id });
      const fn = await d.getFunction('acme', 'hello');
      assert.equal(fn?.currentVersion, one.v.id);
      assert.equal(fn?.updatedAt, 3);
      const [latest] = (await d.listDeployments('acme', 'hello')).items;
      assert.deepEqual({ ...latest, id: 0 }, { id: 0, tenant: 'acme', function: 'hello', version: one.v.id, previous: two.v.id, kind: 'rollback', actor: 'bob', at: 3 });
    });

    itWith(open, 'returns null, changing nothing, for an unknown version or function', async (d) => {
      const one = makeVersion('acme', 'hello', 'one');
      const other = makeVersion('acme', 'other', 'x');
      await d.deployVersion(one.v, one.code, 1);
      await d.deployVersion(other.v, other.code, 1);
      assert.equal(await d.setCurrentVersion('acme', 'hello', 'vmissing', 'bob', 2), null);
      assert.equal(await d.setCurrentVersion('acme', 'hello', other.v.id, 'bob', 2), null);
      assert.equal(await d.setCurrentVersion('acme', 'nope', one.v.id, 'bob', 2), null);
      assert.equal(await d.setCurrentVersion('globex', 'hello', one.v.id, 'bob', 2), null);
      assert.equal((await d.getFunction('acme', 'hello'))?.currentVersion, one.v.id);
      assert.equal((await d.listDeployments('acme', 'hello')).items.length, 1);
    });
  });

  describe('reading functions', () => {
    itWith(open, 'getFunction is per tenant; findFunction finds a name in any tenant', async (d) => {
      const { v, code } = makeVersion('acme', 'hello', 'one');
      await d.deployVersion(v, code, 1);
      assert.equal(await d.getFunction('globex', 'hello'), null);
      assert.deepEqual(await d.findFunction('hello'), await d.getFunction('acme', 'hello'));
      assert.equal(await d.findFunction('nope'), null);
    });

    itWith(open, 'listFunctions orders by name, per tenant or (null) across tenants, across pages', async (d) => {
      const names: Array<[string, string]> = [['acme', 'delta'], ['globex', 'alpha'], ['acme', 'charlie'], ['acme', 'bravo'], ['globex', 'echo']];
      for (const [tenant, name] of names) {
        const { v, code } = makeVersion(tenant, name, name);
        await d.deployVersion(v, code, 1);
      }
      const acme = await collect((cursor) => d.listFunctions('acme', { cursor, limit: 2 }));
      assert.deepEqual(acme.items.map((f) => f.name), ['bravo', 'charlie', 'delta']);
      assert.equal(acme.pages, 2);
      const all = await collect((cursor) => d.listFunctions(null, { cursor, limit: 2 }));
      assert.deepEqual(all.items.map((f) => `${f.tenant}/${f.name}`), ['globex/alpha', 'acme/bravo', 'acme/charlie', 'acme/delta', 'globex/echo']);
      assert.deepEqual((await d.listFunctions('nobody')).items, []);
    });

    itWith(open, 'listVersions pages newest first; listDeployments pages newest first', async (d) => {
      const tags = ['a', 'b', 'c', 'd', 'e'];
      for (const [i, tag] of tags.entries()) {
        const { v, code } = makeVersion('acme', 'hello', tag);
        await d.deployVersion(v, code, 100 + i);
      }
      const versions = await collect((cursor) => d.listVersions('acme', 'hello', { cursor, limit: 2 }));
      assert.deepEqual(versions.items.map((v) => v.number), [5, 4, 3, 2, 1]);
      assert.deepEqual(versions.items.map((v) => v.config.vars.TAG), ['e', 'd', 'c', 'b', 'a']);
      assert.equal(versions.pages, 3);
      const deps = await collect((cursor) => d.listDeployments('acme', 'hello', { cursor, limit: 2 }));
      assert.deepEqual(deps.items.map((x) => x.at), [104, 103, 102, 101, 100]);
      assert.ok(deps.items.every((x, i, xs) => i === 0 || (xs[i - 1]?.id ?? 0) > x.id), 'deployment ids decrease');
      assert.deepEqual((await d.listVersions('acme', 'nope')).items, []);
    });
  });

  describe('deleteFunction', () => {
    itWith(open, 'removes the function with its versions, deployments and logs; its usage records stay (they are billed)', async (d) => {
      const one = makeVersion('acme', 'hello', 'one');
      const two = makeVersion('acme', 'hello', 'two');
      const keep = makeVersion('acme', 'keep', 'keep');
      await d.deployVersion(one.v, one.code, 1);
      await d.deployVersion(two.v, two.code, 2);
      await d.deployVersion(keep.v, keep.code, 3);
      await d.appendLogs([makeLog('acme', 'hello', 'i1', 'gone'), makeLog('acme', 'keep', 'i2', 'stays')]);
      await d.appendInvocations([makeInvocation('acme', 'hello', 'i1', 1), makeInvocation('acme', 'keep', 'i2', 1)]);

      assert.equal(await d.deleteFunction('globex', 'hello'), false);
      assert.equal(await d.deleteFunction('acme', 'hello'), true);
      assert.equal(await d.getFunction('acme', 'hello'), null);
      assert.equal(await d.findFunction('hello'), null);
      assert.equal(await d.getVersion('acme', 'hello', one.v.id), null);
      assert.deepEqual((await d.listVersions('acme', 'hello')).items, []);
      assert.deepEqual((await d.listDeployments('acme', 'hello')).items, []);
      assert.deepEqual(await d.listLogs('acme', 'hello', {}), []);
      assert.deepEqual((await d.listInvocations('acme', 'hello')).items.map((i) => i.id), ['i1']);
      assert.equal((await d.usageTotals({ tenant: 'acme', function: 'hello', from: 0, to: 3_600_000 })).requests, 1);
      assert.equal(await d.getCode(one.v.sha256), null);
      // Other functions are untouched.
      assert.equal((await d.getFunction('acme', 'keep'))?.currentVersion, keep.v.id);
      assert.equal((await d.listLogs('acme', 'keep', {})).length, 1);
      assert.equal((await d.listInvocations('acme', 'keep')).items.length, 1);
      assert.equal(await d.deleteFunction('acme', 'hello'), false);
    });

    itWith(open, 'keeps a bundle that another function still uses', async (d) => {
      const a = makeVersion('acme', 'a', 'shared');
      const b = makeVersion('acme', 'b', 'shared');
      await d.deployVersion(a.v, a.code, 1);
      await d.deployVersion(b.v, b.code, 1);
      assert.equal(await d.deleteFunction('acme', 'a'), true);
      assert.equal(await d.getCode(b.v.sha256), b.code);
      assert.equal(await d.deleteFunction('acme', 'b'), true);
      assert.equal(await d.getCode(b.v.sha256), null);
    });

    itWith(open, 'frees the name: it can be deployed again, by any tenant, from number 1', async (d) => {
      const one = makeVersion('acme', 'hello', 'one');
      await d.deployVersion(one.v, one.code, 1);
      await d.deleteFunction('acme', 'hello');
      const again = makeVersion('globex', 'hello', 'two');
      const r = await d.deployVersion(again.v, again.code, 2);
      assert.equal(r.created, true);
      assert.equal(r.version.number, 1);
      assert.equal(r.previous, null);
      assert.equal((await d.findFunction('hello'))?.tenant, 'globex');
    });
  });
}
