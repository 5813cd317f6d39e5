// Audit entries for control-plane actions: after an action has succeeded, the handler appends
// `control.<action>` to the ledger with the acting principal and the tenant acted in, and answers
// only once that entry is durable. Bodies never carry secrets (secret values, token secrets).
import type { JsonValue } from '../ledger/jcs.ts';
import { Problem } from '../shared/problem.ts';
import type { Principal } from './auth.ts';
import type { ControlDeps } from './deps.ts';

export type AuditAction =
  | 'deploy' | 'rollback' | 'function.delete'
  | 'secret.put' | 'secret.delete'
  | 'tenant.create' | 'token.create' | 'token.revoke'
  | 'usage.rebuild';

export async function audit(deps: Pick<ControlDeps, 'ledger' | 'logger'>, principal: Pick<Principal, 'actor'>, tenant: string, action: AuditAction, body: { [key: string]: JsonValue }): Promise<void> {
  if (!deps.ledger) return;
  try {
    await deps.ledger.audit(tenant, principal.actor, action, body);
  } catch (err) {
    deps.logger.error({ err, tenant, action, actor: principal.actor }, 'the action succeeded but its audit entry could not be appended to the ledger');
    throw new Problem(500, 'audit-failed', `The ${action} was applied, but its audit entry could not be written to the ledger.`, {
      hint: 'Check the node log and the ledger (`cairn ledger verify` with the node stopped); the change itself is in effect.',
    });
  }
}
