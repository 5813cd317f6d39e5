// Everything the control plane needs from the node, passed in (no globals), so it can be tested alone.
import type { Logger } from 'pino';
import type { StorageDriver } from '../storage/types.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { Invoker } from '../scheduler/types.ts';
import type { LedgerService } from '../ledger/service.ts';
import type { Prices } from '../billing/prices.ts';

export interface ControlDeps {
  storage: StorageDriver;
  secrets: SecretBox;
  invoker: Invoker;
  /** sha256 hex of the bootstrap admin token (platform admin). */
  adminTokenHash: string;
  /** Called after a function's active version, config or granted secrets may have changed. */
  onFunctionChanged(tenant: string, name: string): void;
  metricsText(): Promise<string>;
  isReady(): boolean;
  logger: Logger;
  /** Public base URL of the data plane, e.g. http://127.0.0.1:8787, used to print routes. */
  dataPlaneUrl: string;
  now?: () => number;
  /**
   * The node's verifiable ledger: serves /api/v1/ledger/... and receives an audit entry for every
   * control-plane action. Optional: without it the ledger routes answer 503 and nothing is audited.
   */
  ledger?: LedgerService;
  /** The node's price table for GET /api/v1/usage; default: billing/prices.ts DEFAULT_PRICES. */
  prices?: Prices;
}
