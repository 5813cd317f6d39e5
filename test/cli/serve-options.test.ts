import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeOptions } from '../../src/cli/commands/serve.ts';
import { CliError } from '../../src/cli/errors.ts';

describe('serve/dev node flags', () => {
  it('trusts x-forwarded-for only when asked', () => {
    assert.equal(nodeOptions({}, '/tmp/d').trustProxy, undefined);
    assert.equal(nodeOptions({ trustProxy: true }, '/tmp/d').trustProxy, true);
    assert.equal(nodeOptions({ trustProxy: '1' }, '/tmp/d').trustProxy, true);
    assert.equal(nodeOptions({ trustProxy: '0' }, '/tmp/d').trustProxy, undefined);
  });

  it('validates the memory budget', () => {
    assert.equal(nodeOptions({ memoryBudgetMb: '4096' }, '/tmp/d').memoryBudgetMb, 4096);
    assert.throws(() => nodeOptions({ memoryBudgetMb: 'lots' }, '/tmp/d'), (e: unknown) => e instanceof CliError && /--memory-budget-mb/.test(e.message));
  });
});
