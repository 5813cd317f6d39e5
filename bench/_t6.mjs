import * as L from '/work/main/bench/lib.mjs';
import autocannon from 'autocannon';
const node = await L.startCairn({ sandboxes: process.argv[2] === '0' ? 0 : null });
await L.deploy(node, 'hello', L.HELLO_MODULE, process.argv[3] === 'tuned' ? {scaling:{maxInstances:4,concurrency:16}} : undefined);
const url = node.dataUrl + '/hello/';
console.log(await L.hit(url));
for (let i = 0; i < 3; i++) {
  const r = await autocannon({ url, connections: 64, duration: 1, timeout: 3 });
  console.log('run', i, 'total', r.requests.total, '2xx', r['2xx'], 'non2xx', r.non2xx, 'errors', r.errors, 'timeouts', r.timeouts);
  console.log((await L.cairnMetrics(node)).join(' | '));
}
try { const r = await fetch(url, { signal: AbortSignal.timeout(5000) }); console.log('after:', r.status, await r.text()); } catch (e) { console.log('after: FAILED', e.message); }
await node.stop();
