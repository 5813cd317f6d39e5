// Fetch §5.6 fetch(): data: URLs are processed in the isolate (§11 data: URL processor); http(s)
// goes to the host, which applies the egress policy; every other scheme is a network error.
import { addAbortAlgorithm, removeAbortAlgorithm } from './abort.ts';
import { forgivingBase64Decode } from './base64.ts';
import { parseMimeType, serializeMimeType } from './mime.ts';
import { percentDecodeString } from './url.ts';
import {
  Request, type Response, makeNetworkResponse, requestBodyBytes, requestFields, requestSignalOf,
} from './fetch-api.ts';
import { headerList } from './headers.ts';
import { hostCall } from './util.ts';

interface Pending {
  resolve: (r: Response) => void;
  reject: (e: any) => void;
  url: string;
  cleanup: () => void;
}

const pending = new Map<number, Pending>();
let nextId = 1;

function stripFragment(url: string): string {
  const i = url.indexOf('#');
  return i < 0 ? url : url.slice(0, i);
}

/** Fetch "data: URL processor": null on failure. */
export function processDataURL(url: string): { mimeType: string; body: Uint8Array } | null {
  const input = stripFragment(url).slice(5); // after "data:"
  const comma = input.indexOf(',');
  if (comma < 0) return null;
  let mimeType = input.slice(0, comma).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
  let body: Uint8Array | null = percentDecodeString(input.slice(comma + 1));
  const m = /;[\u0020]*base64$/i.exec(mimeType);
  if (m) {
    let s = '';
    for (let i = 0; i < body!.length; i++) s += String.fromCharCode(body![i]!);
    body = forgivingBase64Decode(s);
    if (body === null) return null;
    mimeType = mimeType.slice(0, -6).replace(/[\u0020]+$/, '').slice(0, -1);
  }
  if (mimeType.startsWith(';')) mimeType = 'text/plain' + mimeType;
  const record = parseMimeType(mimeType);
  return { mimeType: record === null ? 'text/plain;charset=US-ASCII' : serializeMimeType(record), body: body! };
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export function fetch(input: any, init: any = undefined): Promise<Response> {
  let request: Request;
  try {
    request = arguments.length < 1 ? new (Request as any)() : new Request(input, init);
  } catch (e) {
    return Promise.reject(e);
  }
  const f = requestFields(request);
  const signal = requestSignalOf(request);
  if (signal.aborted) return Promise.reject(signal.reason);
  const url = f.url;
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();

  if (scheme === 'data') {
    const r = processDataURL(url);
    if (r === null) return Promise.reject(new TypeError('Failed to fetch: invalid data: URL'));
    return Promise.resolve(makeNetworkResponse({
      status: 200, statusText: 'OK', headers: ['content-type', r.mimeType], bytes: r.body, url: stripFragment(url),
    }));
  }
  if (scheme === 'about' && stripFragment(url) === 'about:blank') {
    return Promise.resolve(makeNetworkResponse({
      status: 200, statusText: 'OK', headers: ['content-type', 'text/html;charset=utf-8'], bytes: new Uint8Array(0), url,
    }));
  }
  if (scheme !== 'http' && scheme !== 'https') {
    return Promise.reject(new TypeError(`Failed to fetch: the URL scheme "${scheme}" is not supported`));
  }

  return new Promise<Response>((resolve, reject) => {
    const id = nextId++;
    const onAbort = () => {
      if (!pending.delete(id)) return;
      hostCall('fetchAbort', id);
      reject(signal.reason);
    };
    addAbortAlgorithm(signal, onAbort);
    pending.set(id, { resolve, reject, url: stripFragment(url), cleanup: () => removeAbortAlgorithm(signal, onAbort) });
    requestBodyBytes(request).then((body) => {
      if (!pending.has(id)) return;
      const l = headerList(f.headers);
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < l.length; i += 2) headers.push([l[i]!, l[i + 1]!]);
      hostCall('fetch', id, { url: stripFragment(url), method: f.method, headers, body });
    }, (e) => {
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      p.cleanup();
      reject(e);
    });
  });
}

/** Host → isolate: the outcome of fetch `id`. */
export function settleFetch(id: number, ok: boolean, value: any): void {
  const p = pending.get(id);
  if (!p) return;
  pending.delete(id);
  p.cleanup();
  if (!ok) {
    p.reject(new TypeError(value && value.message ? `${value.message}` : 'fetch failed'));
    return;
  }
  const flat: string[] = [];
  for (const [k, v] of value.headers) flat.push(k, v);
  const status = value.status | 0;
  p.resolve(makeNetworkResponse({
    status,
    statusText: `${value.statusText ?? ''}`,
    headers: flat,
    bytes: NULL_BODY.has(status) ? null : value.body,
    url: p.url,
  }));
}

export function pendingFetchCount(): number {
  return pending.size;
}
