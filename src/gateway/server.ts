// The data plane: an HTTP request becomes one invocation of the routed function's current version.
// Method, URL, headers and body are forwarded; the response streams back with backpressure and an
// `x-cairn-invocation-id` header; every platform error is problem+json.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Problem, toProblem } from '../shared/problem.ts';
import { newId } from '../shared/ids.ts';
import type { Invoker } from '../scheduler/types.ts';
import type { ResponseSink } from '../runtime/isolate/types.ts';
import type { Router } from './router.ts';

export interface GatewayDeps {
  router: Router;
  invoker: Invoker;
  onError?(err: unknown): void;
  /**
   * The abuse defence of functions whose config has `abuse.rateLimit` (telemetry/abuse-limiter.ts):
   * counts the request of `client` and answers 0 to serve it, else the seconds until it may retry.
   */
  limiter?: { admit(tenant: string, fn: string, version: string, client: string, policy: { floorPerS: number; factor: number; cooldownMs: number }): number };
  /** Take the client from the last x-forwarded-for entry (a trusted proxy in front); default: the socket's peer. */
  trustProxy?: boolean;
  /** A request was refused because its client is rate-limited. */
  onRateLimited?(fn: string): void;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are the connection's, not the function's.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/** The client of a request: the socket's peer, or (behind a trusted proxy) the address that proxy appended to x-forwarded-for. */
export function clientAddress(remote: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string {
  if (trustProxy && forwardedFor !== undefined) {
    const h = Array.isArray(forwardedFor) ? forwardedFor[forwardedFor.length - 1] ?? '' : forwardedFor;
    const comma = h.lastIndexOf(',');
    const last = (comma < 0 ? h : h.slice(comma + 1)).trim();
    if (last) return last;
  }
  return remote ?? 'unknown';
}

export function sendProblem(res: ServerResponse, problem: Problem, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(problem.toJSON());
  res.writeHead(problem.status, { ...problem.headers(), ...extraHeaders, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | null> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(bodyTooLarge(limit));
  }
  if (declared === '0' || ((req.method === 'GET' || req.method === 'HEAD') && declared === undefined && !req.headers['transfer-encoding'])) {
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(bodyTooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(size === 0 ? null : chunks.length === 1 ? new Uint8Array(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.length) : new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function bodyTooLarge(limit: number): Problem {
  return new Problem(413, 'payload-too-large', `the request body exceeds this function's limit of ${limit} bytes`, { hint: 'Send a smaller body, or raise limits.bodyBytes in the function config.' });
}

export function createGatewayHandler(deps: GatewayDeps) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const invocationId = newId();
    const idHeader = { 'x-cairn-invocation-id': invocationId };
    try {
      const rawUrl = req.url ?? '/';
      const qs = rawUrl.indexOf('?');
      const pathname = qs < 0 ? rawUrl : rawUrl.slice(0, qs);
      const target = deps.router.match(req.headers.host, pathname);
      if (!target) {
        sendProblem(res, new Problem(404, 'no-route', `no function serves ${pathname}`, { hint: 'Deploy one with `cairn deploy <entry> --name <name>`; it answers under /<name>/.' }), idHeader);
        return;
      }
      const abuse = target.config.abuse;
      if (abuse?.rateLimit && deps.limiter) {
        const client = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], deps.trustProxy === true);
        const retryAfter = deps.limiter.admit(target.tenant, target.function, target.version, client, abuse);
        if (retryAfter > 0) {
          deps.onRateLimited?.(target.function);
          req.resume(); // the body is not read; discard it
          sendProblem(res, new Problem(429, 'rate-limited', `this client's request rate to ${target.function} is anomalous; it is rate-limited`, {
            retryAfterSeconds: retryAfter, hint: 'Slow down; requests are admitted again once the rate has been normal for a while (see Retry-After).',
          }), idHeader);
          return;
        }
      }
      const limit = target.config.limits.bodyBytes;
      const body = await readBody(req, limit);
      const headers: Array<[string, string]> = [];
      const raw = req.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
      const url = `http://${req.headers.host ?? 'localhost'}${rawUrl}`;

      let sent = 0;
      let declared: number | undefined;
      const sink: ResponseSink = {
        head(h) {
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of h.headers) {
            const key = k.toLowerCase();
            if (HOP_BY_HOP.has(key)) continue;
            const prev = out[key];
            out[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
          }
          out['x-cairn-invocation-id'] = invocationId;
          if (h.length !== undefined && out['content-length'] === undefined && out['transfer-encoding'] === undefined) {
            out['content-length'] = String(h.length);
            declared = h.length;
          }
          res.writeHead(h.status, h.statusText || undefined, out);
        },
        chunk(bytes) {
          sent += bytes.byteLength;
          if (sent > limit) {
            res.destroy(new Error(`response body exceeds ${limit} bytes`));
            return;
          }
          // A client that went away must not leave the function waiting for a 'drain' that never
          // comes (its 'close' may already have fired): stop writing and let the invocation end.
          if (res.destroyed || res.writableEnded) return false;
          // The whole declared body in one piece: head and body leave in one write.
          if (sent === declared) {
            res.end(bytes);
            return;
          }
          if (!res.write(bytes)) {
            return new Promise<void | false>((resolve) => {
              const finish = (gone: boolean): void => { res.off('drain', drained); res.off('close', closed); res.off('error', closed); resolve(gone ? false : undefined); };
              const drained = (): void => finish(false);
              const closed = (): void => finish(true);
              res.once('drain', drained);
              res.once('close', closed);
              res.once('error', closed);
              if (res.destroyed) closed();
            });
          }
        },
        abort() {
          res.destroy();
        },
      };
      await deps.invoker.invoke({ tenant: target.tenant, function: target.function, version: target.version }, { id: invocationId, method: req.method ?? 'GET', url, headers, body }, sink, { trigger: 'http' });
      if (!res.destroyed && !res.writableEnded) res.end();
    } catch (err) {
      const problem = toProblem(err);
      if (problem.status >= 500 && !(err instanceof Problem)) deps.onError?.(err);
      sendProblem(res, problem, idHeader);
    }
  };
}
