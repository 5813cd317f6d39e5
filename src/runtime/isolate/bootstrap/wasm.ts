// WebAssembly JS API glue: compileStreaming()/instantiateStreaming() over a Response (Wasm Web API
// §3), and keeping asynchronous compilation moving. V8 finishes async compiles in tasks it posts
// to the embedder; isolated-vm runs those only when the isolate gets other work, so while a compile
// is pending we schedule short host ticks. V8 also defines the streaming functions, but without an
// embedder streaming callback they never settle: they are replaced.
import { isResponse } from './fetch-api.ts';
import { mimeEssence } from './mime.ts';
import { internalSetTimeout } from './timers.ts';

const then = Promise.prototype.then;

function keepMoving<T>(p: Promise<T>): Promise<T> {
  let done = false;
  const tick = () => {
    if (!done) internalSetTimeout(tick, 1);
  };
  internalSetTimeout(tick, 0);
  return then.call(p, (v: T) => { done = true; return v; }, (e: any) => { done = true; throw e; }) as Promise<T>;
}

export function installWasmStreaming(W: any): void {
  if (typeof W !== 'object' || W === null) return;
  const nativeCompile = W.compile;
  const nativeInstantiate = W.instantiate;
  const methods = {
    compile(bytes: any) {
      return keepMoving(nativeCompile.call(W, bytes));
    },
    instantiate(source: any, importObject: any = undefined) {
      return keepMoving(nativeInstantiate.call(W, source, importObject));
    },
    compileStreaming(source: any) {
      return bytesOf(source).then((b) => methods.compile(b));
    },
    instantiateStreaming(source: any, importObject: any = undefined) {
      return bytesOf(source).then((b) => methods.instantiate(b, importObject));
    },
  };
  async function bytesOf(source: any): Promise<ArrayBuffer> {
    const response = await source;
    if (!isResponse(response)) throw new TypeError('WebAssembly: the argument is not a Response or a promise of one');
    if (mimeEssence(response.headers.get('content-type')) !== 'application/wasm') {
      throw new TypeError("WebAssembly: the Response's Content-Type is not application/wasm");
    }
    if (!response.ok) throw new TypeError(`WebAssembly: the Response status is ${response.status}`);
    return response.arrayBuffer();
  }
  for (const k of ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming'] as const) {
    Object.defineProperty(W, k, { value: methods[k], writable: true, enumerable: true, configurable: true });
  }
}
