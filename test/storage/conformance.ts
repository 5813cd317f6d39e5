// The storage driver conformance suite: every driver (SQLite now, PostgreSQL later) registers it
// with a factory and must pass all of it, so drivers are interchangeable behind StorageDriver.
//
// `open` must return a driver over an EMPTY store each time it is called (a fresh file, database or
// schema): every test opens its own, migrates it, and closes it at the end.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StorageDriver } from '../../src/storage/types.ts';
import { makeVersion, type OpenDriver } from './conformance/helpers.ts';
import { tenantSuite } from './conformance/tenants.ts';
import { functionSuite } from './conformance/functions.ts';
import { telemetrySuite } from './conformance/telemetry.ts';
import { usageSuite } from './conformance/usage.ts';
import { kvSuite } from './conformance/kv.ts';
import { secretSuite } from './conformance/secrets.ts';
import { anomalySuite } from './conformance/anomalies.ts';

export function runStorageConformance(name: string, open: () => Promise<StorageDriver>): void {
  describe(`storage conformance: ${name}`, () => {
    schemaSuite(open);
    tenantSuite(open);
    functionSuite(open);
    telemetrySuite(open);
    usageSuite(open);
    kvSuite(open);
    secretSuite(open);
    anomalySuite(open);
  });
}

function schemaSuite(open: OpenDriver): void {
  describe('migrate', () => {
    it('is idempotent and keeps existing data', async () => {
      const d = await open();
      try {
        assert.equal(typeof d.kind, 'string');
        await d.migrate();
        const { v, code } = makeVersion('acme', 'hello', 'one');
        await d.deployVersion(v, code, 1);
        await d.kvPut('acme/ns', 'k', { value: Uint8Array.from([1]), expiresAt: null, metadata: null });
        await d.migrate();
        await d.migrate();
        assert.equal((await d.getFunction('acme', 'hello'))?.currentVersion, v.id);
        assert.notEqual(await d.kvGet('acme/ns', 'k', 0), null);
      } finally {
        await d.close();
      }
    });
  });
}
