// Maps an incoming request to a function. Explicit routes from the function's config win (host
// routes before path-only routes, longest path first); otherwise `/<name>` and `/<name>/*` reach
// the function called <name>. The table lives in memory and is updated on every deploy/rollback.
import type { FunctionConfig } from '../config/schema.ts';

export interface RouteTarget {
  tenant: string;
  function: string;
  version: string;
  config: FunctionConfig;
}

interface CompiledRoute { host: string | null; wildcardHost: boolean; path: string; exactPath: boolean; target: RouteTarget }

function compile(route: string, target: RouteTarget): CompiledRoute {
  let host: string | null = null;
  let path = route;
  if (!route.startsWith('/')) {
    const slash = route.indexOf('/');
    host = (slash < 0 ? route : route.slice(0, slash)).toLowerCase();
    path = slash < 0 ? '/' : route.slice(slash);
  }
  const wildcardHost = host !== null && host.startsWith('*.');
  if (path.endsWith('*')) path = path.slice(0, -1);
  // "/api" is exact-or-subtree ("/api", "/api/..."); "/api/" and "/api/*" are subtrees.
  const exactPath = !path.endsWith('/');
  return { host: wildcardHost ? host!.slice(1) : host, wildcardHost, path, exactPath, target };
}

export class Router {
  #byName = new Map<string, RouteTarget>();
  #routes: CompiledRoute[] = [];

  set(target: RouteTarget): void {
    this.#byName.set(target.function, target);
    this.#rebuild();
  }

  delete(fn: string): void {
    if (this.#byName.delete(fn)) this.#rebuild();
  }

  get(fn: string): RouteTarget | undefined {
    return this.#byName.get(fn);
  }

  get size(): number {
    return this.#byName.size;
  }

  #rebuild(): void {
    const routes: CompiledRoute[] = [];
    for (const t of this.#byName.values()) for (const r of t.config.routes) routes.push(compile(r, t));
    routes.sort((a, b) => Number(b.host !== null) - Number(a.host !== null) || b.path.length - a.path.length);
    this.#routes = routes;
  }

  match(hostHeader: string | undefined, pathname: string): RouteTarget | null {
    const host = (hostHeader ?? '').toLowerCase().replace(/:\d+$/, '');
    for (const r of this.#routes) {
      if (r.host !== null && !(r.wildcardHost ? host.endsWith(r.host) : host === r.host)) continue;
      if (pathname === r.path || (pathname.startsWith(r.path) && (!r.exactPath || pathname[r.path.length] === '/'))) return r.target;
      if (r.exactPath && pathname === r.path) return r.target;
    }
    const first = pathname.split('/')[1] ?? '';
    return first ? this.#byName.get(decodeURIComponentSafe(first)) ?? null : null;
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
