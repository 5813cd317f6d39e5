import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex, PassThrough } from 'node:stream';
import { Channel } from '../../../src/runtime/sandbox/channel.ts';

function pair(): [Duplex, Duplex] {
  const ab = new PassThrough(), ba = new PassThrough();
  return [Duplex.from({ writable: ab, readable: ba }), Duplex.from({ writable: ba, readable: ab })];
}

describe('Channel', () => {
  it('delivers messages in order, with bytes intact, across arbitrary stream splits', async () => {
    const [a, b] = pair();
    const tx = new Channel<unknown, { n: number; bytes: Uint8Array }>(a);
    const rx = new Channel<{ n: number; bytes: Uint8Array }, unknown>(b);
    const got: Array<{ n: number; bytes: Uint8Array }> = [];
    const done = new Promise<void>((resolve) => rx.onMessage((m) => { got.push(m); if (got.length === 300) resolve(); }));
    for (let n = 0; n < 300; n++) tx.send({ n, bytes: new Uint8Array(n).fill(n & 255) });
    await done;
    assert.deepEqual(got.map((m) => m.n), [...Array(300).keys()]);
    assert.equal(got[299]!.bytes.length, 299);
    assert.ok(got[299]!.bytes.every((x) => x === (299 & 255)));
  });

  it('reassembles frames split one byte at a time', async () => {
    const stream = new PassThrough();
    const rx = new Channel<{ s: string }, unknown>(Duplex.from({ readable: stream, writable: new PassThrough() }));
    const got = new Promise<{ s: string }>((resolve) => rx.onMessage(resolve));
    const { serialize } = await import('node:v8');
    const body = serialize({ s: 'split' });
    const frame = Buffer.concat([Buffer.from(new Uint32Array([body.length]).buffer), body]);
    for (const byte of frame) stream.write(Buffer.of(byte));
    assert.deepEqual(await got, { s: 'split' });
  });
});
