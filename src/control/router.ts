// The route table type and a small matcher. Every route is declared once (method, path template,
// access, schemas, handler, documentation); the dispatcher and the OpenAPI document both read the
// same table, so the document cannot drift from what is served.
import type http from 'node:http';
import type { z } from 'zod';
import type { ControlDeps } from './deps.ts';
import type { Principal } from './auth.ts';
import type { LogWaiters } from './log-waiters.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** public: no token; token: any valid token; admin: platform admins only. */
export type Access = 'public' | 'token' | 'admin';

/** tenant: the route acts in the tenant chosen by ?tenant= / x-cairn-tenant (or the token's tenant); global: it does not. */
export type Scope = 'tenant' | 'global';

export type ParamNames<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? K | ParamNames<Rest> : never;

export interface Reply {
  status: number;
  /** Sent as JSON unless `text` is given. */
  body?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Ctx<P extends string, Q, B> {
  deps: ControlDeps;
  req: http.IncomingMessage;
  requestId: string;
  principal: Principal;
  /** The tenant the request acts in ('' on global routes). */
  tenant: string;
  /** True when a platform admin asked for every tenant (?tenant=*) on a route that allows it. */
  allTenants: boolean;
  params: Record<ParamNames<P>, string>;
  query: Q;
  body: B;
  /** Aborts when the client goes away before the answer is sent. */
  signal: AbortSignal;
  now(): number;
  logs: LogWaiters;
}

export interface ResponseDoc {
  description: string;
  /** Zod schema of a JSON body (documented as application/json). */
  schema?: z.ZodType;
  /** A non-JSON body, e.g. Prometheus text. */
  contentType?: string;
}

export interface RouteDef<P extends string, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  path: P;
  operationId: string;
  summary: string;
  tag: string;
  access: Access;
  scope: Scope;
  /** GET /functions lets a platform admin list every tenant with ?tenant=*. */
  allowAllTenants?: boolean;
  params?: Record<ParamNames<P>, z.ZodType<string>>;
  query?: Q;
  body?: B;
  /** Documented request body when it differs from the runtime schema (e.g. validated in the handler). */
  bodyDoc?: z.ZodType;
  responses: Record<number, ResponseDoc>;
  handle(ctx: Ctx<P, z.output<Q>, z.output<B>>): Promise<Reply>;
}

/** A route with its types erased, as the dispatcher and the OpenAPI generator see it. */
export interface Route {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  access: Access;
  scope: Scope;
  allowAllTenants?: boolean;
  params?: Record<string, z.ZodType<string>>;
  query?: z.ZodType;
  body?: z.ZodType;
  bodyDoc?: z.ZodType;
  responses: Record<number, ResponseDoc>;
  handle(ctx: Ctx<string, any, any>): Promise<Reply>;
}

export function defineRoute<P extends string, Q extends z.ZodType = z.ZodType<Record<string, never>>, B extends z.ZodType = z.ZodType<undefined>>(def: RouteDef<P, Q, B>): Route {
  return def as unknown as Route;
}

export type Match =
  | { kind: 'route'; route: Route; params: Record<string, string> }
  | { kind: 'method'; allow: Method[] }
  | { kind: 'none' };

interface Compiled { route: Route; segments: Array<{ literal: string } | { param: string }> }

export class Router {
  readonly routes: readonly Route[];
  readonly #compiled: Compiled[];

  constructor(routes: readonly Route[]) {
    this.routes = routes;
    const seen = new Set<string>();
    this.#compiled = routes.map((route) => {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) throw new Error(`duplicate route ${key}`);
      seen.add(key);
      return { route, segments: split(route.path).map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s })) };
    });
  }

  /** Matches a decoded-segment path; throws URIError when a segment is not valid percent-encoding. */
  match(method: string, pathname: string): Match {
    const parts = split(pathname).map((s) => decodeURIComponent(s));
    const allow: Method[] = [];
    for (const c of this.#compiled) {
      const params = matchSegments(c.segments, parts);
      if (!params) continue;
      if (c.route.method === method) return { kind: 'route', route: c.route, params };
      allow.push(c.route.method);
    }
    return allow.length > 0 ? { kind: 'method', allow } : { kind: 'none' };
  }
}

function split(path: string): string[] {
  // "/a/b" -> ["a", "b"]; "/" -> [""]; a trailing slash is a distinct (unrouted) path.
  return path.split('/').slice(1);
}

function matchSegments(segments: Compiled['segments'], parts: string[]): Record<string, string> | null {
  if (segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const part = parts[i]!;
    if ('literal' in seg) {
      if (seg.literal !== part) return null;
    } else {
      if (part === '') return null;
      params[seg.param] = part;
    }
  }
  return params;
}
