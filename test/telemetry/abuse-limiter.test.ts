// The abuse limiter with injected time: a client's intervals close on the clock, not on sleeps.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AbuseLimiter, CLIENT_RATE_SIGNAL, type AbusePolicy } from '../../src/telemetry/abuse-limiter.ts';
import type { AnomalyEvent } from '../../src/telemetry/anomaly-monitor.ts';
import { clientAddress } from '../../src/gateway/server.ts';
import { parseFunctionConfig } from '../../src/config/schema.ts';

const POLICY: AbusePolicy = { floorPerS: 20, factor: 10, cooldownMs: 5000 };
const NORMAL = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'];

function harness(opts: { maxClients?: number; policy?: AbusePolicy } = {}) {
  let now = 1_700_000_000_000;
  const events: AnomalyEvent[] = [];
  const released: string[] = [];
  const l = new AbuseLimiter({
    intervalMs: 1000, now: () => now, ...(opts.maxClients !== undefined ? { maxClients: opts.maxClients } : {}),
    onAnomaly: (e) => events.push(e), onRelease: (_t, _f, c) => released.push(c),
  });
  const policy = opts.policy ?? POLICY;
  /**
   * One interval (1 s) of traffic: each [client, n] sends n requests spread over it, interleaved.
   * Returns, per client, how many of its requests were refused.
   */
  const interval = (traffic: Array<[string, number]>): Map<string, number> => {
    const start = now;
    const refused = new Map<string, number>(traffic.map(([c]) => [c, 0]));
    const max = Math.max(0, ...traffic.map(([, n]) => n));
    for (let i = 0; i < max; i++) {
      now = start + Math.floor((i * 1000) / (max + 1)) + 1;
      for (const [c, n] of traffic) {
        if (i >= n) continue;
        if (l.admit('default', 'api', 'v1', c, policy) > 0) refused.set(c, refused.get(c)! + 1);
      }
    }
    now = start + 1000;
    return refused;
  };
  const normal = (): Array<[string, number]> => NORMAL.map((c) => [c, 2]);
  return { l, events, released, interval, normal, advance: (ms: number) => { now += ms; }, now: () => now };
}

describe('abuse limiter', () => {
  it('limits a flooding client, leaves normal clients untouched, and records why', () => {
    const h = harness();
    for (let i = 0; i < 20; i++) for (const n of h.interval(h.normal()).values()) assert.equal(n, 0);
    assert.ok(Math.abs(h.l.expectedRate('default', 'api') - 2) < 0.01);
    // The attacker's first interval is judged when it closes: its next request is refused.
    let r = h.interval([...h.normal(), ['10.6.6.6', 300]]);
    assert.equal(r.get('10.6.6.6'), 0);
    r = h.interval([...h.normal(), ['10.6.6.6', 300]]);
    assert.equal(r.get('10.6.6.6'), 300, 'every request of the next interval is refused');
    for (const c of NORMAL) assert.equal(r.get(c), 0, `${c} is not limited`);
    assert.equal(h.events.length, 1, 'one event per limiting');
    const e = h.events[0]!;
    assert.equal(e.signal, CLIENT_RATE_SIGNAL);
    assert.equal(e.function, 'api');
    assert.equal(e.version, 'v1');
    assert.equal(e.observed, 300);
    assert.ok(e.expected > 1.9 && e.expected < 2.1);
    assert.ok(e.score >= 0.75);
    assert.match(e.explanation, /^client 10\.6\.6\.6 request rate 300\/s vs expected 2\/s ±\d+(\.\d+)?\/s per client; rate-limited$/);
    // A flood does not move the population's expectation.
    assert.ok(h.l.expectedRate('default', 'api') < 2.1);
    // Retry-After: at least the cool-down past the last flood interval.
    assert.ok(h.l.admit('default', 'api', 'v1', '10.6.6.6', POLICY) >= 4);
  });

  it('releases a client once its rate has been normal for the cool-down', () => {
    const h = harness();
    for (let i = 0; i < 20; i++) h.interval(h.normal());
    h.interval([['10.6.6.6', 300]]);
    h.interval([['10.6.6.6', 300]]);
    assert.ok(h.l.isLimited('default', 'api', '10.6.6.6'));
    // Normal rate: still limited during the cool-down (5 s after the last flood interval), then released.
    let releasedAfter = -1;
    for (let i = 1; i <= 10 && releasedAfter < 0; i++) {
      const r = h.interval([...h.normal(), ['10.6.6.6', 2]]);
      if (r.get('10.6.6.6') === 0) releasedAfter = i;
    }
    assert.ok(releasedAfter >= 5 && releasedAfter <= 7, `released after ${releasedAfter} normal intervals`);
    assert.deepEqual(h.released, ['10.6.6.6']);
    assert.equal(h.events.length, 1);
  });

  it('keeps a client limited while it keeps flooding, and releases it after it goes quiet', () => {
    const h = harness();
    for (let i = 0; i < 20; i++) h.interval(h.normal());
    h.interval([['10.6.6.6', 300]]);
    for (let i = 0; i < 10; i++) assert.equal(h.interval([['10.6.6.6', 300]]).get('10.6.6.6'), 300);
    h.advance(10_000); // silent for 10 s
    assert.equal(h.l.admit('default', 'api', 'v1', '10.6.6.6', POLICY), 0);
    assert.equal(h.events.length, 1, 'reported once, not on every flooding interval');
  });

  it('does not limit before the population is known, below the floor, or within the factor', () => {
    const cold = harness();
    assert.equal(cold.interval([['10.6.6.6', 500]]).get('10.6.6.6'), 0);
    assert.equal(cold.interval([['10.6.6.6', 500]]).get('10.6.6.6'), 0, 'no population yet: not judged');
    const h = harness();
    for (let i = 0; i < 20; i++) h.interval(h.normal());
    for (let i = 0; i < 5; i++) assert.equal(h.interval([...h.normal(), ['10.0.0.9', 19]]).get('10.0.0.9'), 0, 'below the floor of 20/s');
    const busy = harness({ policy: { floorPerS: 20, factor: 10, cooldownMs: 5000 } });
    for (let i = 0; i < 20; i++) busy.interval(NORMAL.map((c) => [c, 10]));
    for (let i = 0; i < 5; i++) assert.equal(busy.interval([...NORMAL.map((c): [string, number] => [c, 10]), ['10.0.0.9', 90]]).get('10.0.0.9'), 0, 'under 10x the typical 10/s');
    assert.equal(h.events.length + busy.events.length + cold.events.length, 0);
  });

  it('tracks at most maxClients per function, evicting the least recently seen', () => {
    const h = harness({ maxClients: 100 });
    for (let i = 0; i < 1000; i++) h.l.admit('default', 'api', 'v1', `10.1.${i >> 8}.${i & 255}`, POLICY);
    assert.equal(h.l.tracked('default', 'api'), 100);
    // A limited client that stays active is not evicted by a stream of new ones.
    const h2 = harness({ maxClients: 10 });
    for (let i = 0; i < 20; i++) h2.interval(NORMAL.map((c) => [c, 2]));
    h2.interval([['10.6.6.6', 300]]);
    h2.interval([['10.6.6.6', 300]]);
    assert.ok(h2.l.isLimited('default', 'api', '10.6.6.6'));
    for (let i = 0; i < 50; i++) {
      h2.l.admit('default', 'api', 'v1', `10.2.0.${i}`, POLICY);
      assert.ok(h2.l.admit('default', 'api', 'v1', '10.6.6.6', POLICY) > 0);
    }
    assert.equal(h2.l.tracked('default', 'api'), 10);
    h2.l.forget('default', 'api');
    assert.equal(h2.l.tracked('default', 'api'), 0);
  });

  it('tells clients apart by the socket address, or the trusted proxy\'s x-forwarded-for entry', () => {
    assert.equal(clientAddress('127.0.0.1', '10.0.0.7', false), '127.0.0.1', 'untrusted x-forwarded-for is ignored');
    assert.equal(clientAddress('127.0.0.1', '10.0.0.7', true), '10.0.0.7');
    assert.equal(clientAddress('127.0.0.1', '6.6.6.6, 10.0.0.7', true), '10.0.0.7', 'the entry the proxy appended, not one the client wrote');
    assert.equal(clientAddress('127.0.0.1', undefined, true), '127.0.0.1');
    assert.equal(clientAddress(undefined, undefined, false), 'unknown');
  });

  it('config: optional, and `abuse: {}` turns rate limiting on with defaults', () => {
    const none = parseFunctionConfig({});
    assert.ok(none.ok && none.config.abuse === undefined);
    const on = parseFunctionConfig({ abuse: {} });
    assert.ok(on.ok);
    assert.deepEqual(on.config.abuse, { rateLimit: true, floorPerS: 50, factor: 10, cooldownMs: 30_000 });
    const bad = parseFunctionConfig({ abuse: { factor: 0 } });
    assert.ok(!bad.ok && bad.errors.some((e) => e.startsWith('abuse.factor')));
  });
});
