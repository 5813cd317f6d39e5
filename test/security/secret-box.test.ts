import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../../src/security/secret-box.ts';

describe('SecretBox', () => {
  it('round-trips, creates a 0600 key file, and reuses it', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cairn-box-')), 'master.key');
    const a = SecretBox.fromFile(path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const sealed = a.seal('t1', 'API_KEY', 'hunter2');
    assert.ok(!Buffer.from(sealed).includes(Buffer.from('hunter2')));
    assert.equal(SecretBox.fromFile(path).open('t1', 'API_KEY', sealed), 'hunter2');
  });

  it('binds a ciphertext to its tenant and name, and detects tampering', () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const sealed = box.seal('t1', 'A', 'v');
    assert.throws(() => box.open('t2', 'A', sealed));
    assert.throws(() => box.open('t1', 'B', sealed));
    const bad = Uint8Array.from(sealed);
    bad[bad.length - 1]! ^= 1;
    assert.throws(() => box.open('t1', 'A', bad));
    assert.throws(() => new SecretBox(Buffer.alloc(32, 8)).open('t1', 'A', sealed));
  });
});
