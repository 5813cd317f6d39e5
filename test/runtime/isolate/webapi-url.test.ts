// URL inside the isolate: the fast path for plain absolute http(s)/ws(s) URLs must give exactly
// what the full parser gives (a base URL forces the full parser), and both agree with Node's URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { setup } from './harness.ts';

const PARTS = `(u) => u === null ? null : [u.href, u.origin, u.protocol, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, [...u.searchParams]]`;

const char = (chars: string) => fc.constantFrom(...chars.split(''));
const str = (chars: string, max: number) => fc.array(char(chars), { maxLength: max }).map((a) => a.join(''));
const label = fc.tuple(str('abcdefghijklmnopqrstuvwxyzABCXYZ', 1).filter((s) => s.length === 1), str('abcxyz019-ABC', 8)).map(([a, b]) => a + b);
const url = fc.record({
  scheme: fc.constantFrom('http', 'https', 'ws', 'wss', 'HTTP', 'Https', 'ftp', 'file'),
  host: fc.oneof(
    fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.')),
    fc.constantFrom('127.0.0.1', 'example.123', '[::1]', 'xn--bcher-kva.example', 'EXAMPLE.com.', 'a..b', 'b\u00fccher.example', 'user:pw@example.com'),
  ),
  port: fc.oneof(fc.constant(''), fc.constantFrom(':80', ':443', ':8080', ':0', ':65535', ':65536', ':', ':0080')),
  path: fc.array(str("abcXYZ019-._~!$&'()*+,;=:@%. \\`{}|^\"", 6), { maxLength: 4 }).map((s) => (s.length ? '/' + s.join('/') : '')),
  query: fc.oneof(fc.constant(''), str("abc=&+%2019XYZ?'/ #\"", 12).map((s) => '?' + s)),
  hash: fc.oneof(fc.constant(''), str("abc%20#'`?<> ", 8).map((s) => '#' + s)),
}).map((p) => `${p.scheme}://${p.host}${p.port}${p.path}${p.query}${p.hash}`);

test('URL: the fast path and the full parser agree on generated URLs, and agree with Node', async () => {
  const t = await setup();
  try {
    const inputs = fc.sample(url, { numRuns: 600, seed: 42 });
    inputs.push('https://example.com', 'https://example.com/', 'http://Example.COM:80/a/b?c=d#e', 'wss://x.y:443', 'https://a.b/c/./d/../e',
      'https://a.b/%7e?%41=%42#%43', 'https://a.b/?q=a+b&r=%F0%9F%98%80', "https://a.b/it's?x='y'#'z'", 'https://a.b:99999/', 'https://1.2.3.4/',
      'https://0x7f.1/', 'https://example.com./x', 'https://a-.b-/', 'http://a.b/\t/x\n');
    const json = await t.context.evalClosure(`const parts = ${PARTS};
      return JSON.stringify($0.map((s) => {
        let fast = null, full = null;
        try { fast = parts(new URL(s)); } catch { fast = 'TypeError'; }
        try { full = parts(new URL(s, 'https://base.invalid/dir/')); } catch { full = 'TypeError'; }
        return [s, fast, full];
      }));`, [inputs], { arguments: { copy: true }, result: { copy: true } }) as string;
    const rows = JSON.parse(json) as Array<[string, unknown, unknown]>;
    const disagree = rows.filter(([, fast, full]) => JSON.stringify(fast) !== JSON.stringify(full));
    assert.deepEqual(disagree, [], 'new URL(s) and new URL(s, base) differ');
    const nodeParts = (s: string) => {
      try {
        const u = new URL(s);
        return [u.href, u.origin, u.protocol, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, [...u.searchParams]];
      } catch {
        return 'TypeError';
      }
    };
    // Node 20's URL predates the URL Standard change that percent-encodes "^" in paths.
    const vsNode = rows.filter(([s, fast]) => !s.includes('^') && JSON.stringify(fast) !== JSON.stringify(nodeParts(s)));
    assert.deepEqual(vsNode.map(([s, fast]) => [s, fast, nodeParts(s)]), [], 'Cairn and Node disagree');
  } finally {
    t.close();
  }
});

test('URLSearchParams parses and serializes application/x-www-form-urlencoded like Node', async () => {
  const t = await setup();
  try {
    const inputs = fc.sample(str("abc=&+%2019XYZ?'/ #\"~!()*\u00e9\u{1F600}", 16), { numRuns: 300, seed: 7 });
    const json = await t.context.evalClosure(`return JSON.stringify($0.map((s) => {
      const p = new URLSearchParams(s);
      return [[...p], p.toString()];
    }));`, [inputs], { arguments: { copy: true }, result: { copy: true } }) as string;
    const ours = JSON.parse(json) as Array<[Array<[string, string]>, string]>;
    const diffs = inputs.filter((s, i) => {
      const p = new URLSearchParams(s);
      return JSON.stringify([[...p], p.toString()]) !== JSON.stringify(ours[i]);
    });
    assert.deepEqual(diffs, []);
  } finally {
    t.close();
  }
});
