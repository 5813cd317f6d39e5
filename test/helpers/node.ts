// Starts a real node (in this process, on free ports, in a temp data dir) and deploys through the
// real admin API, for end-to-end tests of the data plane.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startNode, type NodeOptions, type RunningNode } from '../../src/node/index.ts';

export interface TestNode extends RunningNode {
  dataDir: string;
  deploy(name: string, code: string, config?: object): Promise<{ status: number; body: any }>;
  admin(path: string, init?: RequestInit): Promise<Response>;
}

export async function startTestNode(opts: { sandboxes?: number; anomaly?: NodeOptions['anomaly']; abuse?: NodeOptions['abuse']; trustProxy?: boolean } = {}): Promise<TestNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-node-'));
  const node = await startNode({ dataDir, port: 0, adminPort: 0, host: '127.0.0.1', sandboxes: opts.sandboxes ?? 1, logger: pino({ level: 'silent' }),
    ...(opts.anomaly !== undefined ? { anomaly: opts.anomaly } : {}),
    ...(opts.abuse !== undefined ? { abuse: opts.abuse } : {}),
    ...(opts.trustProxy !== undefined ? { trustProxy: opts.trustProxy } : {}) });
  const admin = (path: string, init: RequestInit = {}) => fetch(node.adminUrl + '/api/v1' + path, {
    ...init,
    headers: { authorization: `Bearer ${node.adminToken}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
  });
  return {
    ...node,
    dataDir,
    admin,
    async deploy(name, code, config = {}) {
      const res = await admin(`/functions/${name}/versions`, { method: 'POST', body: JSON.stringify({ code, config }) });
      return { status: res.status, body: await res.json() };
    },
  };
}
