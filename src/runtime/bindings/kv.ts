// The KV binding, served by the node from the storage driver. Keys live in a namespace scoped to
// the tenant, so two tenants' bindings can never meet. API shape follows Workers KV.
import type { StorageDriver } from '../../storage/types.ts';

const MAX_KEY_BYTES = 512;
const MAX_VALUE_BYTES = 25 * 1024 * 1024;
const MIN_TTL_SECONDS = 60;

export function kvNamespace(tenant: string, namespace: string): string {
  return `${tenant}/${namespace}`;
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('a KV key must be a non-empty string');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new TypeError(`a KV key must be at most ${MAX_KEY_BYTES} bytes`);
  return key;
}

export async function serveKv(storage: StorageDriver, ns: string, op: string, args: unknown[], now = Date.now()): Promise<unknown> {
  switch (op) {
    case 'get': {
      const e = await storage.kvGet(ns, checkKey(args[0]), now);
      return e === null ? null : { value: e.value, metadata: e.metadata };
    }
    case 'put': {
      const key = checkKey(args[0]);
      const value = args[1];
      if (!(value instanceof Uint8Array)) throw new TypeError('a KV value must be bytes');
      if (value.byteLength > MAX_VALUE_BYTES) throw new TypeError(`a KV value must be at most ${MAX_VALUE_BYTES} bytes`);
      const o = (args[2] ?? {}) as { expiration?: number | null; expirationTtl?: number | null; metadata?: unknown };
      let expiresAt: number | null = null;
      if (o.expirationTtl != null) {
        if (!(Number(o.expirationTtl) >= MIN_TTL_SECONDS)) throw new TypeError(`expirationTtl must be at least ${MIN_TTL_SECONDS} seconds`);
        expiresAt = now + Number(o.expirationTtl) * 1000;
      } else if (o.expiration != null) {
        if (!(Number(o.expiration) * 1000 >= now + MIN_TTL_SECONDS * 1000)) throw new TypeError(`expiration must be at least ${MIN_TTL_SECONDS} seconds in the future (seconds since the epoch)`);
        expiresAt = Number(o.expiration) * 1000;
      }
      const metadata = o.metadata ?? null;
      if (metadata !== null && JSON.stringify(metadata).length > 1024) throw new TypeError('KV metadata must serialise to at most 1024 bytes of JSON');
      await storage.kvPut(ns, key, { value, expiresAt, metadata });
      return null;
    }
    case 'delete':
      await storage.kvDelete(ns, checkKey(args[0]));
      return null;
    case 'list': {
      const o = (args[0] ?? {}) as { prefix?: string; limit?: number; cursor?: string | null };
      const limit = Math.min(1000, Math.max(1, Number(o.limit ?? 1000) || 1000));
      const r = await storage.kvList(ns, { prefix: o.prefix ?? '', cursor: o.cursor ?? null, limit }, now);
      return {
        keys: r.keys.map((k) => ({ name: k.name, expiration: k.expiresAt === null ? undefined : Math.floor(k.expiresAt / 1000), metadata: k.metadata ?? undefined })),
        list_complete: r.cursor === null,
        cursor: r.cursor ?? undefined,
      };
    }
    default:
      throw new TypeError(`KV has no operation "${op}"`);
  }
}
