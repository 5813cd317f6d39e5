// The node side of a function's outbound calls: every binding a function uses is served here,
// in the trusted process, after checking that the function was granted it. A KV binding without an
// explicit `namespace` is private to its function; naming one shares it within the tenant.
import type { FunctionConfig } from '../config/schema.ts';
import type { StorageDriver } from '../storage/types.ts';
import type { HostHooks } from '../runtime/isolate/types.ts';
import type { InvocationTarget } from '../scheduler/types.ts';
import { serveKv, kvNamespace } from '../runtime/bindings/kv.ts';
import { createEgressFetch, type FetchRequest } from '../runtime/bindings/egress.ts';
import type { LedgerService } from '../ledger/service.ts';
import { serveAi } from '../runtime/bindings/ai.ts';

export function createHostCall(storage: StorageDriver, ledger: LedgerService, target: InvocationTarget, config: FunctionConfig): HostHooks['call'] {
  const caller = { tenant: target.tenant, actor: `function:${target.function}` };
  const egressFetch = createEgressFetch(config.egress, { maxBodyBytes: config.limits.bodyBytes, timeoutMs: config.limits.timeoutMs });
  return async (_inv, binding, op, args) => {
    if (binding === '__fetch') {
      if (op !== 'fetch') throw new TypeError(`unknown fetch operation ${op}`);
      return egressFetch(args[0] as FetchRequest);
    }
    const granted = config.bindings[binding];
    if (!granted) throw new TypeError(`this function has no binding named ${binding}`);
    if (granted.type === 'kv') return serveKv(storage, kvNamespace(target.tenant, granted.namespace ?? `${target.function}.${binding}`), op, args);
    if (granted.type === 'ledger') return ledger.call(caller, op, args[0]);
    if (granted.type === 'ai') return serveAi(op, args);
    throw new TypeError(`binding ${binding} has an unsupported type`);
  };
}
