// URL Pattern Standard: the URLPattern interface. The matching engine (urlpattern-polyfill) is
// loaded on first use; this class is the interface object and forwards to it.
import { hostCall } from './util.ts';

let Impl: any = null;
function impl(): any {
  return (Impl ??= hostCall('load', 'urlpattern').URLPattern);
}

let unwrap: (p: any) => any;

export class URLPattern {
  get [Symbol.toStringTag](): string { return 'URLPattern'; }
  #p: any;
  constructor(input: any = undefined, baseURL: any = undefined, options: any = undefined) {
    const C = impl();
    this.#p = new C(input, baseURL, options);
  }
  test(input: any = undefined, baseURL: any = undefined): boolean { return this.#p.test(input, baseURL); }
  exec(input: any = undefined, baseURL: any = undefined): any { return this.#p.exec(input, baseURL); }
  get protocol(): string { return this.#p.protocol; }
  get username(): string { return this.#p.username; }
  get password(): string { return this.#p.password; }
  get hostname(): string { return this.#p.hostname; }
  get port(): string { return this.#p.port; }
  get pathname(): string { return this.#p.pathname; }
  get search(): string { return this.#p.search; }
  get hash(): string { return this.#p.hash; }
  get hasRegExpGroups(): boolean { return this.#p.hasRegExpGroups; }
  static compareComponent(component: any, left: any, right: any): number {
    return impl().compareComponent(component, unwrap(left), unwrap(right));
  }
  static {
    unwrap = (p) => {
      if (p === null || typeof p !== 'object' || !(#p in p)) throw new TypeError('Not a URLPattern');
      return p.#p;
    };
  }
}
