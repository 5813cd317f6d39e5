// crypto inside the isolate: randomness, digests and SubtleCrypto round trips through the host's
// WebCrypto, with keys kept on the host and released with the context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './harness.ts';

test('getRandomValues, randomUUID and digest', async () => {
  const t = await setup();
  try {
    const r = await t.run<string>(`(async () => {
      const a = crypto.getRandomValues(new Uint8Array(32));
      const b = crypto.getRandomValues(new Uint32Array(8));
      const hex = (buf) => Array.from(new Uint8Array(buf), (x) => x.toString(16).padStart(2, '0')).join('');
      let quota = null;
      try { crypto.getRandomValues(new Uint8Array(65537)); } catch (e) { quota = e.name; }
      return JSON.stringify([
        a.some((x) => x !== 0), b.some((x) => x !== 0),
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),
        crypto.randomUUID() !== crypto.randomUUID(),
        hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc'))),
        quota,
      ]);
    })()`);
    assert.deepEqual(JSON.parse(r), [true, true, true, true,
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'QuotaExceededError']);
  } finally {
    t.close();
  }
});

test('HMAC, AES-GCM, ECDSA and ECDH round trips; keys are host handles released with the context', async () => {
  const t = await setup();
  try {
    const r = await t.run<string>(`(async () => {
      const s = crypto.subtle;
      const enc = new TextEncoder();
      const hmac = await s.importKey('raw', enc.encode('secret'), { name: 'HMAC', hash: 'SHA-256' }, true, ['verify', 'sign']);
      const mac = await s.sign('HMAC', hmac, enc.encode('msg'));
      const macOk = await s.verify('HMAC', hmac, mac, enc.encode('msg'));
      const macBad = await s.verify('HMAC', hmac, mac, enc.encode('other'));
      const jwk = await s.exportKey('jwk', hmac);

      const aes = await s.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ct = await s.encrypt({ name: 'AES-GCM', iv }, aes, enc.encode('sealed'));
      const pt = new TextDecoder().decode(await s.decrypt({ name: 'AES-GCM', iv }, aes, ct));
      let exportError = null;
      try { await s.exportKey('raw', aes); } catch (e) { exportError = e.name; }

      const ec = await s.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const sig = await s.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, enc.encode('doc'));
      const sigOk = await s.verify({ name: 'ECDSA', hash: 'SHA-256' }, ec.publicKey, sig, enc.encode('doc'));
      const spki = await s.exportKey('spki', ec.publicKey);

      const a = await s.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
      const b = await s.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
      const ab = new Uint8Array(await s.deriveBits({ name: 'ECDH', public: b.publicKey }, a.privateKey, 256));
      const ba = new Uint8Array(await s.deriveBits({ name: 'ECDH', public: a.publicKey }, b.privateKey, 256));

      return JSON.stringify({
        hmac: [hmac instanceof CryptoKey, hmac.type, hmac.algorithm.name, hmac.algorithm.hash.name, hmac.usages, mac.byteLength, macOk, macBad, jwk.kty, jwk.k],
        aes: [aes.extractable, aes.algorithm.length, ct.byteLength, pt, exportError],
        ec: [ec.publicKey.type, ec.privateKey.type, ec.publicKey.algorithm.namedCurve, sigOk, spki.byteLength],
        ecdh: [ab.length, ab.every((x, i) => x === ba[i])],
        cloned: structuredClone(hmac) instanceof CryptoKey,
      });
    })()`);
    const o = JSON.parse(r);
    assert.deepEqual(o.hmac, [true, 'secret', 'HMAC', 'SHA-256', ['sign', 'verify'], 32, true, false, 'oct', 'c2VjcmV0']);
    assert.deepEqual(o.aes, [false, 256, 6 + 16, 'sealed', 'InvalidAccessError']);
    assert.deepEqual(o.ec, ['public', 'private', 'P-256', true, 91]);
    assert.deepEqual(o.ecdh, [32, true]);
    assert.equal(o.cloned, true);
    assert.ok(t.handle.stats().cryptoKeys >= 7);
    t.handle.release();
    assert.equal(t.handle.stats().cryptoKeys, 0);
  } finally {
    t.close();
  }
});

test('SubtleCrypto errors keep their Web Crypto types', async () => {
  const t = await setup();
  try {
    const r = await t.run<string>(`(async () => {
      const s = crypto.subtle;
      const out = [];
      const name = (p) => p.then(() => 'resolved', (e) => e instanceof DOMException ? 'DOMException:' + e.name : e.constructor.name);
      out.push(await name(s.digest('SHA-42', new Uint8Array(1))));
      out.push(await name(s.digest('SHA-256', 'not a buffer')));
      out.push(await name(s.importKey('raw', new Uint8Array(16), 'AES-GCM', false, [])));
      out.push(await name(s.importKey('bogus', new Uint8Array(16), 'AES-GCM', false, ['encrypt'])));
      out.push(await name(s.sign('HMAC', {}, new Uint8Array(1))));
      const key = await s.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']);
      out.push(await name(s.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, key, new Uint8Array(32))));
      let ctor = null;
      try { new CryptoKey(); } catch (e) { ctor = e.constructor.name; }
      out.push(ctor);
      return JSON.stringify(out);
    })()`);
    assert.deepEqual(JSON.parse(r), [
      'DOMException:NotSupportedError', 'TypeError', 'DOMException:SyntaxError', 'TypeError', 'TypeError',
      'DOMException:InvalidAccessError', 'TypeError',
    ]);
  } finally {
    t.close();
  }
});
