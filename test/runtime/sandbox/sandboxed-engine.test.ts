import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxedEngine } from '../../../src/runtime/sandbox/engine.ts';
import { sandboxNodeFlags } from '../../../src/runtime/sandbox/permissions.ts';
import { InvocationError } from '../../../src/runtime/engines/types.ts';
import { runEngineSuite } from '../engines/engine-suite.ts';
import { collector, input, recordingHooks, spec } from '../../helpers/engine.ts';
import { DIST_DIR } from '../../../src/shared/paths.ts';

runEngineSuite('sandboxed (worker processes)', () => new SandboxedEngine({ processesPerTenant: 2 }));

describe('sandbox processes', () => {
  const exits: unknown[] = [];
  const engine = new SandboxedEngine({ processesPerTenant: 1, onProcessExit: (i) => exits.push(i) });
  after(() => engine.close());

  it('run each tenant in its own processes', async () => {
    const a = await engine.createInstance(spec('export default { fetch() { return new Response("a"); } };', { tenant: 'ta' }), recordingHooks());
    const b = await engine.createInstance(spec('export default { fetch() { return new Response("b"); } };', { tenant: 'tb' }), recordingHooks());
    const procs = engine.processes();
    const pa = procs.find((p) => p.tenant === 'ta')!, pb = procs.find((p) => p.tenant === 'tb')!;
    assert.ok(pa.pid && pb.pid && pa.pid !== pb.pid);
    await a.dispose();
    await b.dispose();
  });

  it('a killed sandbox process fails its invocations cleanly and is replaced on demand', async () => {
    const inst = await engine.createInstance(spec('export default { fetch() { return new Promise(() => {}); } };', { tenant: 'tk', limits: { timeoutMs: 10_000 } }), recordingHooks());
    const pid = engine.processes().find((p) => p.tenant === 'tk')!.pid!;
    const pending = inst.invoke(input(), collector().sink);
    process.kill(pid, 'SIGKILL');
    await assert.rejects(pending, (e: unknown) => e instanceof InvocationError && e.code === 'instance-crashed');
    assert.equal(inst.broken, true);
    assert.equal(exits.length, 1);
    const again = await engine.createInstance(spec('export default { fetch() { return new Response("back"); } };', { tenant: 'tk' }), recordingHooks());
    const c = collector();
    await again.invoke(input(), c.sink);
    assert.equal(c.result.body, 'back');
    assert.notEqual(engine.processes().find((p) => p.tenant === 'tk')!.pid, pid);
    await again.dispose();
  });
});

describe('sandbox permission model', () => {
  it('denies reading outside dist/ and node_modules/, writing files and spawning processes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-perm-'));
    const secret = join(dir, 'master.key');
    writeFileSync(secret, 'top secret');
    const probe = `
      const fs = require('node:fs');
      const out = {};
      try { fs.readFileSync(${JSON.stringify(secret)}); out.read = 'allowed'; } catch (e) { out.read = e.code; }
      try { fs.writeFileSync(${JSON.stringify(join(dir, 'x'))}, 'x'); out.write = 'allowed'; } catch (e) { out.write = e.code; }
      try { require('node:child_process').execFileSync('true'); out.spawn = 'allowed'; } catch (e) { out.spawn = e.code; }
      try { new (require('node:worker_threads').Worker)('1', { eval: true }); out.worker = 'allowed'; } catch (e) { out.worker = e.code; }
      try { fs.readFileSync(${JSON.stringify(join(DIST_DIR, 'sandbox.js'))}); out.dist = 'allowed'; } catch (e) { out.dist = e.code; }
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, [...sandboxNodeFlags(), '-e', probe], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { read: 'ERR_ACCESS_DENIED', write: 'ERR_ACCESS_DENIED', spawn: 'ERR_ACCESS_DENIED', worker: 'ERR_ACCESS_DENIED', dist: 'allowed' });
  });
});
