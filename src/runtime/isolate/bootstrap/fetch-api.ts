// Fetch §5.1 BodyInit extraction, §5.3 Body mixin, §5.4 Request and §5.5 Response.
// A body whose bytes are known (string, buffer, Blob, URLSearchParams, FormData) stays a plain
// Uint8Array until someone asks for `.body`; only then is a byte stream made. Stream bodies are
// the caller's ReadableStream itself.
import { AbortSignal, createDependent, isAbortSignal, newAbortSignal } from './abort.ts';
import { blobBytes, isBlob, makeBlob } from './blob.ts';
import { utf8Decode, utf8Encode } from './encoding.ts';
import { encodeMultipart, isFormData, parseMultipart } from './formdata.ts';
import {
  Headers, copyHeaders, fillHeaders, getGuard, getHeader, headerList, headersFromFlat, isToken, setGuard,
  type Guard,
} from './headers.ts';
import { mimeEssence, parseMimeType } from './mime.ts';
import { isDisturbed, isReadableStream, markDisturbed, newByteStreamFromBytes, newUsedStream, readAllBytes } from './streams.ts';
import { isURLSearchParams, parseURL, parseUrlencodedString, serializeURL } from './url.ts';
import { formDataFromEntries } from './formdata.ts';
import { dict, exactBuffer, requireArgs, toByteString, toUSV, toUnsignedShort, viewOf } from './util.ts';

// ---------------------------------------------------------------------------------------------
// Bodies

export interface BodyState {
  /** Known bytes (immutable: shared between clones), or null for a stream body. */
  bytes: Uint8Array | null;
  /** The body stream: the caller's stream, or one made from `bytes` on demand. */
  stream: any;
  /** Consumed (or handed over) without a stream having been made. */
  used: boolean;
}

export interface Extracted {
  body: BodyState;
  type: string | null;
}

/** Fetch "extract a body" (and "safely extract" for the stream checks). */
export function extractBody(object: any): Extracted {
  if (typeof object === 'string') {
    return { body: { bytes: utf8Encode(object), stream: null, used: false }, type: 'text/plain;charset=UTF-8' };
  }
  if (object !== null && typeof object === 'object') {
    const view = viewOf(object);
    if (view !== null) return { body: { bytes: view.slice(), stream: null, used: false }, type: null };
    if (isBlob(object)) {
      return { body: { bytes: blobBytes(object), stream: null, used: false }, type: object.type === '' ? null : object.type };
    }
    if (isURLSearchParams(object)) {
      return {
        body: { bytes: utf8Encode(object.toString()), stream: null, used: false },
        type: 'application/x-www-form-urlencoded;charset=UTF-8',
      };
    }
    if (isFormData(object)) {
      const { bytes, contentType } = encodeMultipart(object);
      return { body: { bytes, stream: null, used: false }, type: contentType };
    }
    if (isReadableStream(object)) {
      if (isDisturbed(object) || object.locked) throw new TypeError('The ReadableStream body is disturbed or locked');
      return { body: { bytes: null, stream: object, used: false }, type: null };
    }
  }
  const s = toUSV(object);
  return { body: { bytes: utf8Encode(s), stream: null, used: false }, type: 'text/plain;charset=UTF-8' };
}

function bodyUsed(st: BodyState | null): boolean {
  return st !== null && (st.used || (st.stream !== null && isDisturbed(st.stream)));
}

function bodyUnusable(st: BodyState | null): boolean {
  return st !== null && (bodyUsed(st) || (st.stream !== null && st.stream.locked));
}

function bodyStream(st: BodyState | null): any {
  if (st === null) return null;
  if (st.stream === null) st.stream = st.used ? newUsedStream() : newByteStreamFromBytes(st.bytes!);
  return st.stream;
}

/** The bytes of a body, for the consume methods. `owned` says whether the caller may keep them. */
function consume(st: BodyState | null): Promise<{ bytes: Uint8Array; owned: boolean }> {
  if (st === null) return Promise.resolve({ bytes: new Uint8Array(0), owned: true });
  if (bodyUsed(st)) return Promise.reject(new TypeError('Body has already been used'));
  if (st.stream !== null && st.stream.locked) return Promise.reject(new TypeError('Body is locked'));
  if (st.stream === null) {
    st.used = true;
    return Promise.resolve({ bytes: st.bytes!, owned: false });
  }
  return readAllBytes(st.stream).then((bytes) => ({ bytes, owned: true }));
}

/** Fetch "extract a MIME type" (simplified: the last parsable value of Content-Type). */
function contentTypeOf(headers: Headers): string | null {
  const v = getHeader(headers, 'content-type');
  if (v === null) return null;
  if (parseMimeType(v) !== null) return v;
  const parts = v.split(',');
  for (let i = parts.length - 1; i >= 0; i--) if (parseMimeType(parts[i]!) !== null) return parts[i]!.trim();
  return null;
}

function packageData(bytes: Uint8Array, owned: boolean, kind: string, headers: Headers): any {
  switch (kind) {
    case 'text':
      return utf8Decode(bytes);
    case 'json':
      return JSON.parse(utf8Decode(bytes));
    case 'arrayBuffer':
      return owned ? exactBuffer(bytes) : exactBuffer(bytes.slice());
    case 'bytes':
      return owned && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    case 'blob': {
      const ct = contentTypeOf(headers);
      const m = ct === null ? null : parseMimeType(ct);
      return makeBlob(bytes, m === null ? '' : ct!.toLowerCase());
    }
    case 'formData': {
      const ct = contentTypeOf(headers);
      const essence = mimeEssence(ct);
      if (essence === 'multipart/form-data') {
        const boundary = parseMimeType(ct!)!.parameters.get('boundary');
        if (boundary === undefined) throw new TypeError('Missing boundary in multipart/form-data Content-Type');
        return parseMultipart(bytes, boundary);
      }
      if (essence === 'application/x-www-form-urlencoded') {
        return formDataFromEntries(parseUrlencodedString(utf8Decode(bytes)));
      }
      throw new TypeError('Could not parse content as FormData.');
    }
  }
  throw new TypeError('unknown body kind');
}

/** Body mixin consume methods: a rejected promise (never a throw) for a wrong receiver. */
function consumeAs(access: () => { body: BodyState | null; headers: Headers }, kind: string): Promise<any> {
  let a;
  try {
    a = access();
  } catch (e) {
    return Promise.reject(e);
  }
  return consume(a.body).then(({ bytes, owned }) => packageData(bytes, owned, kind, a.headers));
}

function cloneBody(st: BodyState | null): [BodyState | null, BodyState | null] {
  if (st === null) return [null, null];
  if (st.stream === null || (st.bytes !== null && !isDisturbed(st.stream) && !st.stream.locked)) {
    return [st, { bytes: st.bytes, stream: null, used: false }];
  }
  const [a, b] = st.stream.tee();
  return [{ bytes: null, stream: a, used: false }, { bytes: null, stream: b, used: false }];
}

// ---------------------------------------------------------------------------------------------
// Request

const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const MODES = new Set(['navigate', 'same-origin', 'no-cors', 'cors']);
const CREDENTIALS = new Set(['omit', 'same-origin', 'include']);
const CACHES = new Set(['default', 'no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached']);
const REDIRECTS = new Set(['follow', 'error', 'manual']);
const REFERRER_POLICIES = new Set(['', 'no-referrer', 'no-referrer-when-downgrade', 'same-origin', 'origin', 'strict-origin',
  'origin-when-cross-origin', 'strict-origin-when-cross-origin', 'unsafe-url']);
const PRIORITIES = new Set(['high', 'low', 'auto']);
const DUPLEX = new Set(['half']);

function enumMember(init: any, key: string, allowed: Set<string>): string | undefined {
  const v = init[key];
  if (v === undefined) return undefined;
  const s = `${v}`;
  if (!allowed.has(s)) throw new TypeError(`Failed to construct 'Request': The provided value '${s}' is not a valid enum value of type Request${key[0]!.toUpperCase()}${key.slice(1)}.`);
  return s;
}

interface RequestFields {
  method: string;
  url: string;
  headers: Headers;
  body: BodyState | null;
  signal: AbortSignal | null;
  parentSignal: AbortSignal | null;
  redirect: string;
  integrity: string;
  keepalive: boolean;
  cache: string;
  credentials: string;
  mode: string;
  referrer: string;
  referrerPolicy: string;
  priority: string;
}

let requestInternals: {
  fields: (r: Request) => RequestFields;
  is: (v: any) => boolean;
  create: (f: RequestFields) => Request;
};

const RAW = Symbol('raw request');

export class Request {
  get [Symbol.toStringTag](): string { return 'Request'; }
  #f: RequestFields;

  constructor(input: any, init: any = undefined) {
    if (input === RAW) {
      this.#f = init;
      return;
    }
    requireArgs(arguments.length, 1, "'Request' constructor");
    const o = dict(init, 'RequestInit');
    const inputIsRequest = requestInternals.is(input);
    const src: RequestFields | null = inputIsRequest ? (input as Request).#f : null;

    // Dictionary conversion (enums are checked before anything else happens).
    const mode = enumMember(o, 'mode', MODES);
    const credentials = enumMember(o, 'credentials', CREDENTIALS);
    const cache = enumMember(o, 'cache', CACHES);
    const redirect = enumMember(o, 'redirect', REDIRECTS);
    const referrerPolicy = enumMember(o, 'referrerPolicy', REFERRER_POLICIES);
    const priority = enumMember(o, 'priority', PRIORITIES);
    const duplex = enumMember(o, 'duplex', DUPLEX);
    if (o.signal !== undefined && o.signal !== null && !isAbortSignal(o.signal)) {
      throw new TypeError("Failed to construct 'Request': member signal is not of type 'AbortSignal'.");
    }

    let url: string;
    let f: RequestFields;
    if (src === null) {
      const s = toUSV(input);
      const parsed = parseURL(s);
      if (parsed === null) throw new TypeError(`Failed to construct 'Request': Invalid URL '${s}'`);
      if (parsed.username !== '' || parsed.password !== '') {
        throw new TypeError(`Failed to construct 'Request': Request cannot be constructed from a URL that includes credentials: ${s}`);
      }
      url = serializeURL(parsed);
      f = {
        method: 'GET', url, headers: new Headers(), body: null, signal: null, parentSignal: null,
        redirect: 'follow', integrity: '', keepalive: false, cache: 'default', credentials: 'same-origin',
        mode: 'cors', referrer: 'about:client', referrerPolicy: '', priority: 'auto',
      };
    } else {
      f = { ...src, headers: src.headers, signal: null, parentSignal: requestSignal(input) };
    }

    if (o.window !== undefined && o.window !== null) throw new TypeError("Failed to construct 'Request': 'window' can only be null.");
    if (mode === 'navigate') throw new TypeError("Failed to construct 'Request': Cannot construct a Request with a RequestInit whose mode member is set as 'navigate'.");

    const initIsEmpty = init === undefined || init === null || Object.keys(o).length === 0;
    if (!initIsEmpty && f.mode === 'navigate') f.mode = 'same-origin';
    if (o.referrer !== undefined) {
      const r = toUSV(o.referrer);
      if (r === '') f.referrer = '';
      else {
        const p = parseURL(r);
        if (p === null) throw new TypeError(`Failed to construct 'Request': Invalid referrer URL '${r}'`);
        f.referrer = serializeURL(p);
      }
    }
    if (referrerPolicy !== undefined) f.referrerPolicy = referrerPolicy;
    if (mode !== undefined) f.mode = mode;
    if (credentials !== undefined) f.credentials = credentials;
    if (cache !== undefined) {
      if (cache === 'only-if-cached' && f.mode !== 'same-origin') {
        throw new TypeError("Failed to construct 'Request': 'only-if-cached' can be set only with 'same-origin' mode");
      }
      f.cache = cache;
    }
    if (redirect !== undefined) f.redirect = redirect;
    if (o.integrity !== undefined) f.integrity = `${o.integrity}`;
    if (o.keepalive !== undefined) f.keepalive = !!o.keepalive;
    if (priority !== undefined) f.priority = priority;
    if (o.method !== undefined) {
      const m = toByteString(o.method, 'method');
      if (!isToken(m)) throw new TypeError(`Failed to construct 'Request': '${m}' is not a valid HTTP method.`);
      const upper = m.toUpperCase();
      if (FORBIDDEN_METHODS.has(upper)) throw new TypeError(`Failed to construct 'Request': '${m}' HTTP method is unsupported.`);
      f.method = NORMALIZED_METHODS.has(upper) ? upper : m;
    }
    if (o.signal !== undefined) f.parentSignal = o.signal;

    // Headers
    const headers = new Headers();
    setGuard(headers, 'request');
    if (o.headers !== undefined) {
      fillHeaders(headers, o.headers);
    } else if (src !== null) {
      const l = headerList(src.headers);
      for (let i = 0; i < l.length; i += 2) headers.append(l[i], l[i + 1]);
    }
    f.headers = headers;

    // Body
    const inputBody = src !== null ? src.body : null;
    const initHasBody = o.body !== undefined && o.body !== null;
    if ((initHasBody || inputBody !== null) && (f.method === 'GET' || f.method === 'HEAD')) {
      throw new TypeError("Failed to construct 'Request': Request with GET/HEAD method cannot have body.");
    }
    let initBody: BodyState | null = null;
    if (initHasBody) {
      const ex = extractBody(o.body);
      if (f.keepalive && ex.body.stream !== null) throw new TypeError("Failed to construct 'Request': keepalive cannot be used with a ReadableStream body.");
      initBody = ex.body;
      if (ex.type !== null && getHeader(headers, 'content-type') === null) headers.append('content-type', ex.type);
    }
    const inputOrInitBody = initBody ?? inputBody;
    if (inputOrInitBody !== null && inputOrInitBody.bytes === null && initBody !== null && duplex === undefined) {
      throw new TypeError("Failed to construct 'Request': The duplex member must be specified for a request with a streaming body");
    }
    let finalBody = inputOrInitBody;
    if (initBody === null && inputBody !== null) {
      if (bodyUnusable(inputBody)) throw new TypeError("Failed to construct 'Request': Cannot construct a Request with a Request object that has already been used.");
      // Take the body over: the input request can no longer be read.
      finalBody = { bytes: inputBody.bytes, stream: inputBody.bytes !== null ? null : inputBody.stream, used: false };
      src!.body = { bytes: inputBody.bytes, stream: inputBody.stream, used: true };
      if (inputBody.bytes === null) src!.body.stream = newUsedStream();
    }
    f.body = finalBody;
    this.#f = f;
  }

  get method(): string { return this.#f.method; }
  get url(): string { return this.#f.url; }
  get headers(): Headers { return this.#f.headers; }
  get destination(): string { void this.#f; return ''; }
  get referrer(): string {
    const r = this.#f.referrer;
    return r === '' ? '' : r;
  }
  get referrerPolicy(): string { return this.#f.referrerPolicy; }
  get mode(): string { return this.#f.mode; }
  get credentials(): string { return this.#f.credentials; }
  get cache(): string { return this.#f.cache; }
  get redirect(): string { return this.#f.redirect; }
  get integrity(): string { return this.#f.integrity; }
  get keepalive(): boolean { return this.#f.keepalive; }
  get isReloadNavigation(): boolean { void this.#f; return false; }
  get isHistoryNavigation(): boolean { void this.#f; return false; }
  get signal(): AbortSignal { return requestSignal(this); }
  get duplex(): string { void this.#f; return 'half'; }

  get body(): any { return bodyStream(this.#f.body); }
  get bodyUsed(): boolean { return bodyUsed(this.#f.body); }
  arrayBuffer(): Promise<ArrayBuffer> { return consumeAs(() => this.#f, 'arrayBuffer'); }
  blob(): Promise<any> { return consumeAs(() => this.#f, 'blob'); }
  bytes(): Promise<Uint8Array> { return consumeAs(() => this.#f, 'bytes'); }
  formData(): Promise<any> { return consumeAs(() => this.#f, 'formData'); }
  json(): Promise<any> { return consumeAs(() => this.#f, 'json'); }
  text(): Promise<string> { return consumeAs(() => this.#f, 'text'); }

  clone(): Request {
    const f = this.#f;
    if (bodyUnusable(f.body)) throw new TypeError("Failed to execute 'clone' on 'Request': Request body is already used");
    const [mine, theirs] = cloneBody(f.body);
    f.body = mine;
    return requestInternals.create({
      ...f,
      headers: copyHeaders(f.headers, getGuard(f.headers)),
      body: theirs,
      signal: null,
      parentSignal: requestSignal(this),
    });
  }

  static {
    requestInternals = {
      fields: (r) => r.#f,
      is: (v) => v !== null && typeof v === 'object' && #f in v,
      create: (f) => rawRequest(f),
    };
  }
}

// (Outside the class bodies, so that the bundler keeps the class names.)
function rawRequest(f: RequestFields): Request {
  return new Request(RAW, f);
}
function rawResponse(f: ResponseFields): Response {
  return new Response(RAW_RESPONSE, f);
}

/** The request's signal, made on first use (a dependent signal when it follows another one). */
function requestSignal(r: Request): AbortSignal {
  const f = requestInternals.fields(r);
  if (f.signal === null) f.signal = f.parentSignal === null ? newAbortSignal() : createDependent([f.parentSignal]);
  return f.signal;
}

export function isRequest(v: any): boolean {
  return requestInternals.is(v);
}
export function requestFields(r: Request): RequestFields {
  return requestInternals.fields(r);
}
export function requestSignalOf(r: Request): AbortSignal {
  return requestSignal(r);
}

/** The platform's incoming request: trusted inputs, no URL parsing. */
export function makeRequest(method: string, url: string, flatHeaders: string[], body: Uint8Array | null): Request {
  return requestInternals.create({
    method, url, headers: headersFromFlat(flatHeaders, 'request'),
    body: body === null || (body.byteLength === 0 && (method === 'GET' || method === 'HEAD')) ? null : { bytes: body, stream: null, used: false },
    signal: null, parentSignal: null,
    redirect: 'follow', integrity: '', keepalive: false, cache: 'default', credentials: 'same-origin',
    mode: 'cors', referrer: 'about:client', referrerPolicy: '', priority: 'auto',
  });
}

/** Reads the whole request body (for the host fetch). */
export function requestBodyBytes(r: Request): Promise<Uint8Array | null> {
  const f = requestInternals.fields(r);
  if (f.body === null) return Promise.resolve(null);
  return consume(f.body).then(({ bytes }) => bytes);
}

// ---------------------------------------------------------------------------------------------
// Response

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

interface ResponseFields {
  type: string;
  url: string;
  redirected: boolean;
  status: number;
  statusText: string;
  headers: Headers;
  body: BodyState | null;
}

let responseInternals: {
  fields: (r: Response) => ResponseFields;
  is: (v: any) => boolean;
  create: (f: ResponseFields) => Response;
};

function initializeResponse(f: ResponseFields, init: any, body: Extracted | null): void {
  const o = dict(init, 'ResponseInit');
  const status = o.status === undefined ? 200 : toUnsignedShort(o.status);
  if (status < 200 || status > 599) throw new RangeError(`Failed to construct 'Response': The status provided (${status}) is outside the range [200, 599].`);
  const statusText = o.statusText === undefined ? '' : toByteString(o.statusText, 'statusText');
  if (!REASON_PHRASE.test(statusText)) throw new TypeError(`Failed to construct 'Response': Invalid statusText`);
  f.status = status;
  f.statusText = statusText;
  if (o.headers !== undefined) fillHeaders(f.headers, o.headers);
  if (body !== null) {
    if (NULL_BODY_STATUS.has(status)) throw new TypeError(`Failed to construct 'Response': Response with null body status cannot have body`);
    f.body = body.body;
    if (body.type !== null && getHeader(f.headers, 'content-type') === null) f.headers.append('content-type', body.type);
  }
}

function newFields(guard: Guard): ResponseFields {
  const headers = new Headers();
  setGuard(headers, guard);
  return { type: 'default', url: '', redirected: false, status: 200, statusText: '', headers, body: null };
}

const RAW_RESPONSE = Symbol('raw response');

export class Response {
  get [Symbol.toStringTag](): string { return 'Response'; }
  #f: ResponseFields;

  constructor(body: any = null, init: any = undefined) {
    if (body === RAW_RESPONSE) {
      this.#f = init;
      return;
    }
    if (init !== undefined && init !== null && typeof init !== 'object' && typeof init !== 'function') {
      throw new TypeError("Failed to construct 'Response': The provided value is not of type 'ResponseInit'.");
    }
    const f = newFields('response');
    const extracted = body === null || body === undefined ? null : extractBody(body);
    initializeResponse(f, init, extracted);
    this.#f = f;
  }

  static error(): Response {
    const f = newFields('immutable');
    f.type = 'error';
    f.status = 0;
    return responseInternals.create(f);
  }

  static redirect(url: any, status: any = 302): Response {
    requireArgs(arguments.length, 1, "'redirect' on 'Response'");
    const s = toUSV(url);
    const parsed = parseURL(s);
    if (parsed === null) throw new TypeError(`Failed to execute 'redirect' on 'Response': Invalid URL '${s}'`);
    const code = toUnsignedShort(status);
    if (!REDIRECT_STATUS.has(code)) throw new RangeError(`Failed to execute 'redirect' on 'Response': Invalid status code ${code}`);
    const f = newFields('immutable');
    f.status = code;
    headerList(f.headers).push('location', serializeURL(parsed));
    return responseInternals.create(f);
  }

  static json(data: any, init: any = undefined): Response {
    requireArgs(arguments.length, 1, "'json' on 'Response'");
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Failed to execute 'json' on 'Response': The data is not JSON serializable");
    const f = newFields('response');
    initializeResponse(f, init, { body: { bytes: utf8Encode(text), stream: null, used: false }, type: 'application/json' });
    return responseInternals.create(f);
  }

  get type(): string { return this.#f.type; }
  get url(): string { return this.#f.url; }
  get redirected(): boolean { return this.#f.redirected; }
  get status(): number { return this.#f.status; }
  get ok(): boolean { return this.#f.status >= 200 && this.#f.status <= 299; }
  get statusText(): string { return this.#f.statusText; }
  get headers(): Headers { return this.#f.headers; }

  get body(): any { return bodyStream(this.#f.body); }
  get bodyUsed(): boolean { return bodyUsed(this.#f.body); }
  arrayBuffer(): Promise<ArrayBuffer> { return consumeAs(() => this.#f, 'arrayBuffer'); }
  blob(): Promise<any> { return consumeAs(() => this.#f, 'blob'); }
  bytes(): Promise<Uint8Array> { return consumeAs(() => this.#f, 'bytes'); }
  formData(): Promise<any> { return consumeAs(() => this.#f, 'formData'); }
  json(): Promise<any> { return consumeAs(() => this.#f, 'json'); }
  text(): Promise<string> { return consumeAs(() => this.#f, 'text'); }

  clone(): Response {
    const f = this.#f;
    if (bodyUnusable(f.body)) throw new TypeError("Failed to execute 'clone' on 'Response': Response body is already used");
    const [mine, theirs] = cloneBody(f.body);
    f.body = mine;
    return responseInternals.create({ ...f, headers: copyHeaders(f.headers, getGuard(f.headers)), body: theirs });
  }

  static {
    responseInternals = {
      fields: (r) => r.#f,
      is: (v) => v !== null && typeof v === 'object' && #f in v,
      create: (f) => rawResponse(f),
    };
  }
}

export function isResponse(v: any): boolean {
  return responseInternals.is(v);
}

/** A response from the network or a data: URL (immutable headers). */
export function makeNetworkResponse(opts: {
  status: number; statusText: string; headers: string[]; bytes: Uint8Array | null; url: string; type?: string;
}): Response {
  const f = newFields('immutable');
  f.status = opts.status;
  f.statusText = opts.statusText;
  f.type = opts.type ?? 'basic';
  f.url = opts.url;
  const l = headerList(f.headers);
  for (let i = 0; i < opts.headers.length; i += 2) l.push(`${opts.headers[i]}`.toLowerCase(), `${opts.headers[i + 1]}`);
  f.body = opts.bytes === null ? null : { bytes: opts.bytes, stream: null, used: false };
  return responseInternals.create(f);
}

export interface ResponseParts {
  status: number;
  statusText: string;
  headers: string[];
  bytes: Uint8Array | null;
  stream: any;
}

/** For the platform's dispatcher: the response head and its body as bytes or as a stream. */
export function responseParts(res: any): ResponseParts {
  if (!isResponse(res)) throw new TypeError('The handler did not return a Response');
  const f = responseInternals.fields(res);
  const headers = headerList(f.headers).slice();
  const st = f.body;
  let bytes: Uint8Array | null = null;
  let stream: any = null;
  if (st !== null) {
    if (bodyUnusable(st)) throw new TypeError('The Response body has already been used');
    if (st.bytes !== null && (st.stream === null || (!isDisturbed(st.stream) && !st.stream.locked))) {
      bytes = st.bytes;
      st.used = true;
      if (st.stream !== null) markDisturbed(st.stream);
    } else {
      stream = st.stream;
    }
  }
  return { status: f.status, statusText: f.statusText, headers, bytes, stream };
}
