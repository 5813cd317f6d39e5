// Outbound fetch() for functions, done by the node. The egress guard checks every address a host
// name resolves to at connect time (inside the socket's lookup, so DNS rebinding cannot slip a
// private address past a check made earlier): loopback, private, link-local, unique-local,
// multicast and unspecified addresses are refused unless the function's config allows the host.
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import net from 'node:net';
import type { FunctionConfig } from '../../config/schema.ts';

export interface FetchRequest { url: string; method: string; headers: Array<[string, string]>; body: Uint8Array | null }
export interface FetchResponse { status: number; statusText: string; headers: Array<[string, string]>; body: Uint8Array }

const MAX_REDIRECTS = 10;

export class EgressDenied extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'TypeError';
  }
}

/** True for addresses a function must not reach without an explicit allowance. */
export function isInternalAddress(address: string): boolean {
  const v = net.isIP(address);
  if (v === 4) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 198 && (b === 18 || b === 19)) || a >= 224;
  }
  if (v === 6) {
    const x = address.toLowerCase();
    if (x === '::' || x === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(x);
    if (mapped) return isInternalAddress(mapped[1]!);
    return /^(fe[89ab]|fc|fd|ff)/.test(x) || x.startsWith('64:ff9b:') || x.startsWith('2001:db8');
  }
  return true;
}

function hostAllowed(egress: FunctionConfig['egress'], url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return egress.allow.some((a) => {
    const entry = a.toLowerCase();
    return entry === host || entry === `${host}:${port}` || entry === `[${host}]:${port}`;
  });
}

export function createEgressFetch(egress: FunctionConfig['egress'], opts: { maxBodyBytes: number; timeoutMs: number }) {
  return async function egressFetch(req: FetchRequest): Promise<FetchResponse> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new TypeError(`fetch(): invalid URL ${JSON.stringify(req.url)}`);
    }
    let method = req.method.toUpperCase();
    let body = req.body;
    for (let hop = 0; ; hop++) {
      const res = await requestOnce(url, method, req.headers, body, egress, opts);
      const location = res.headers.find(([k]) => k === 'location')?.[1];
      if (![301, 302, 303, 307, 308].includes(res.status) || !location || hop >= MAX_REDIRECTS) return res;
      url = new URL(location, url);
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = null;
      }
    }
  };
}

function requestOnce(url: URL, method: string, headers: Array<[string, string]>, body: Uint8Array | null, egress: FunctionConfig['egress'], opts: { maxBodyBytes: number; timeoutMs: number }): Promise<FetchResponse> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new TypeError(`fetch(): the ${url.protocol} scheme is not supported`));
  const allowedHost = hostAllowed(egress, url);
  if (!allowedHost && !egress.allowPublic) return Promise.reject(new EgressDenied(`egress to ${url.host} is not allowed: add it to egress.allow in the function's config`));
  const lookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as dns.LookupAddress[];
      const bad = list.find((a) => isInternalAddress(a.address));
      if (bad && !allowedHost) {
        return callback(new EgressDenied(`egress to ${hostname} (${bad.address}) is denied: it is a loopback, private or link-local address; allow it with egress.allow ["${url.host}"]`), '', 4);
      }
      const first = list[0]!;
      if ((options as dns.LookupOptions).all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      else callback(null, first.address, first.family);
    });
  };
  // A literal IP skips DNS, so check it here.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(literal) && isInternalAddress(literal) && !allowedHost) {
    return Promise.reject(new EgressDenied(`egress to ${url.host} is denied: it is a loopback, private or link-local address; allow it with egress.allow ["${url.host}"]`));
  }
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const outHeaders: Record<string, string | string[]> = {};
    for (const [k, v] of headers) {
      const prev = outHeaders[k];
      outHeaders[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const r = mod.request(url, { method, headers: outHeaders, lookup, timeout: opts.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > opts.maxBodyBytes) {
          reject(new TypeError(`fetch(): the response body exceeds ${opts.maxBodyBytes} bytes`));
          r.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        const out: Array<[string, string]> = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) out.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: out, body: new Uint8Array(Buffer.concat(chunks)) });
      });
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new TypeError(`fetch(): no response from ${url.host} within ${opts.timeoutMs} ms`)));
    r.on('error', (e) => reject(e instanceof TypeError ? e : new TypeError(`fetch(): ${e.message}`)));
    if (body) r.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    else r.end();
  });
}
