import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEgressFetch, isInternalAddress } from '../../../src/runtime/bindings/egress.ts';

describe('egress guard', () => {
  it('classifies internal addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '224.0.0.1']) {
      assert.equal(isInternalAddress(a), true, a);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700::1111']) assert.equal(isInternalAddress(a), false, a);
  });

  it('denies loopback by default, by literal IP and by name', async () => {
    const f = createEgressFetch({ allow: [], allowPublic: true }, { maxBodyBytes: 1024, timeoutMs: 2000 });
    await assert.rejects(f({ url: 'http://127.0.0.1:9/', method: 'GET', headers: [], body: null }), /denied/);
    await assert.rejects(f({ url: 'http://localhost:9/', method: 'GET', headers: [], body: null }), /denied/);
    await assert.rejects(f({ url: 'http://[::1]:9/', method: 'GET', headers: [], body: null }), /denied/);
    await assert.rejects(f({ url: 'file:///etc/passwd', method: 'GET', headers: [], body: null }), /not supported/);
  });

  it('reaches an allowed internal host and follows redirects through the guard', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/redirect') { res.writeHead(302, { location: '/final' }); res.end(); return; }
      res.writeHead(200, { 'content-type': 'text/plain', 'x-seen-method': req.method ?? '' });
      res.end('hello ' + req.url);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const f = createEgressFetch({ allow: [`127.0.0.1:${port}`], allowPublic: false }, { maxBodyBytes: 1024, timeoutMs: 2000 });
      const r = await f({ url: `http://127.0.0.1:${port}/redirect`, method: 'GET', headers: [['x-a', '1']], body: null });
      assert.equal(r.status, 200);
      assert.equal(new TextDecoder().decode(r.body), 'hello /final');
      const other = createEgressFetch({ allow: [`127.0.0.1:${port + 1}`], allowPublic: false }, { maxBodyBytes: 1024, timeoutMs: 2000 });
      await assert.rejects(other({ url: `http://127.0.0.1:${port}/`, method: 'GET', headers: [], body: null }), /not allowed|denied/);
      const small = createEgressFetch({ allow: [`127.0.0.1:${port}`], allowPublic: true }, { maxBodyBytes: 4, timeoutMs: 2000 });
      await assert.rejects(small({ url: `http://127.0.0.1:${port}/x`, method: 'GET', headers: [], body: null }), /exceeds 4 bytes/);
    } finally {
      server.close();
    }
  });
});
