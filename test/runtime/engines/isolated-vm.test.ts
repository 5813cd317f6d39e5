import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsolatedVmEngine } from '../../../src/runtime/engines/isolated-vm/engine.ts';
import { collector, input, recordingHooks, spec } from '../../helpers/engine.ts';
import { runEngineSuite } from './engine-suite.ts';

runEngineSuite('isolated-vm (in process)', () => new IsolatedVmEngine());
runEngineSuite('isolated-vm (in process, synchronous dispatch)', () => new IsolatedVmEngine({ syncDispatch: true }));

describe('prepared isolates', () => {
  it('a cold start takes a prepared isolate, which is refilled in the background, and nothing leaks between functions', async () => {
    const engine = new IsolatedVmEngine({ spares: 1 });
    try {
      const hooksA = recordingHooks();
      const a = await engine.createInstance(spec(`globalThis.mark = 'a'; export default { fetch() { console.log('from a'); return new Response(String(globalThis.mark)); } };`), hooksA);
      // The first instance of a size starts the refill; wait for the prepared isolate to appear.
      while (engine.spareCount(32) === 0) await new Promise((r) => setImmediate(r));
      const hooksB = recordingHooks();
      const b = await engine.createInstance(spec(`export default { fetch() { console.log('from b'); return new Response(String(globalThis.mark)); } };`), hooksB);
      const ca = collector(), cb = collector();
      await a.invoke(input(), ca.sink);
      await b.invoke(input(), cb.sink);
      assert.equal(ca.result.body, 'a');
      assert.equal(cb.result.body, 'undefined', 'a prepared isolate holds nothing of another function');
      await hooksB.waitForLog((l) => l.message === 'from b');
      assert.ok(!hooksA.logs.some((l) => l.message === 'from b'), 'console output reaches the instance that owns the isolate');
      assert.deepEqual(engine.spareStats(), { hits: 1, misses: 1 });
      await a.dispose();
      await b.dispose();
    } finally {
      await engine.close();
    }
  });
});
