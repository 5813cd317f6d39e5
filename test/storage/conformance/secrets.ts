// Secrets: ciphertext bytes only, per tenant.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { assertBytes, itWith, type OpenDriver } from './helpers.ts';

export function secretSuite(open: OpenDriver): void {
  describe('secrets', () => {
    itWith(open, 'putSecret/getSecret round-trip the ciphertext as bytes; a second put replaces it', async (d) => {
      const ct = Uint8Array.from([0, 1, 2, 253, 254, 255, 0]);
      await d.putSecret({ tenant: 'acme', name: 'API_KEY', ciphertext: ct, updatedAt: 10 });
      const got = await d.getSecret('acme', 'API_KEY');
      assert.equal(got?.tenant, 'acme');
      assert.equal(got?.name, 'API_KEY');
      assert.equal(got?.updatedAt, 10);
      assertBytes(got?.ciphertext, ct);
      await d.putSecret({ tenant: 'acme', name: 'API_KEY', ciphertext: Uint8Array.from([9]), updatedAt: 20 });
      const again = await d.getSecret('acme', 'API_KEY');
      assertBytes(again?.ciphertext, Uint8Array.from([9]));
      assert.equal(again?.updatedAt, 20);
      assert.equal(await d.getSecret('acme', 'NOPE'), null);
      assert.equal(await d.getSecret('globex', 'API_KEY'), null);
    });

    itWith(open, 'listSecrets gives names and times (no ciphertext) sorted by name; deleteSecret reports whether it deleted', async (d) => {
      for (const [name, at] of [['B', 2], ['A', 1], ['C', 3]] as const) await d.putSecret({ tenant: 'acme', name, ciphertext: Uint8Array.from([1]), updatedAt: at });
      await d.putSecret({ tenant: 'globex', name: 'Z', ciphertext: Uint8Array.from([1]), updatedAt: 9 });
      assert.deepEqual(await d.listSecrets('acme'), [{ name: 'A', updatedAt: 1 }, { name: 'B', updatedAt: 2 }, { name: 'C', updatedAt: 3 }]);
      assert.equal(await d.deleteSecret('acme', 'B'), true);
      assert.equal(await d.deleteSecret('acme', 'B'), false);
      assert.equal(await d.deleteSecret('acme', 'Z'), false);
      assert.deepEqual((await d.listSecrets('acme')).map((s) => s.name), ['A', 'C']);
      assert.deepEqual(await d.listSecrets('nobody'), []);
    });
  });
}
