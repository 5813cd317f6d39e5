import * as L from '/work/main/bench/lib.mjs';
import http from 'node:http';
const sandboxes = process.argv[2] === '0' ? 0 : null;
const node = await L.startCairn({ sandboxes });
await L.deploy(node, 'hello', L.HELLO_MODULE, process.argv[3] === 'tuned' ? {scaling:{maxInstances:4,concurrency:16}} : undefined);
const url = node.dataUrl + '/hello/';
console.log(await L.hit(url));
// 64 requests, destroy each socket right after sending
const u = new URL(url);
await Promise.all(Array.from({length: 64}, () => new Promise((res) => {
  const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, agent: false });
  req.on('error', () => res()); req.end(); setTimeout(() => { req.destroy(); res(); }, 1);
})));
await L.sleep(500);
console.log(await L.cairnMetrics(node));
try { const r = await fetch(url, { signal: AbortSignal.timeout(3000) }); console.log('after aborts:', r.status, await r.text()); } catch (e) { console.log('after aborts: FAILED', e.message); }
await node.stop();
