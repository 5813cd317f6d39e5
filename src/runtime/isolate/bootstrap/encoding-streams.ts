// Encoding §7.5 TextDecoderStream and §7.6 TextEncoderStream (TransformStream based).
import { DecoderState, getEncoding, utf8Encode } from './encoding.ts';
import { TransformStream } from './streams.ts';
import { dict, viewOf } from './util.ts';

export class TextEncoderStream {
  get [Symbol.toStringTag](): string { return 'TextEncoderStream'; }
  #transform: any;
  constructor() {
    let pending = '';
    this.#transform = new TransformStream({
      transform(chunk: any, controller: any) {
        let s = pending + `${chunk}`;
        pending = '';
        if (s.length === 0) return;
        const last = s.charCodeAt(s.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          pending = s[s.length - 1]!;
          s = s.slice(0, -1);
        }
        if (s.length) controller.enqueue(utf8Encode(s));
      },
      flush(controller: any) {
        if (pending) controller.enqueue(new Uint8Array([0xef, 0xbf, 0xbd]));
      },
    });
  }
  get encoding(): string { void this.#transform; return 'utf-8'; }
  get readable(): any { return this.#transform.readable; }
  get writable(): any { return this.#transform.writable; }
}

export class TextDecoderStream {
  get [Symbol.toStringTag](): string { return 'TextDecoderStream'; }
  #state: DecoderState;
  #transform: any;
  constructor(label: any = 'utf-8', options: any = undefined) {
    const encoding = getEncoding(`${label}`);
    if (encoding === null) throw new RangeError(`Failed to construct 'TextDecoderStream': The encoding label provided ('${label}') is invalid.`);
    const o = dict(options, 'TextDecoderOptions');
    const state = (this.#state = new DecoderState(encoding, !!o.fatal, !!o.ignoreBOM));
    this.#transform = new TransformStream({
      transform(chunk: any, controller: any) {
        const bytes = viewOf(chunk);
        if (bytes === null) throw new TypeError('TextDecoderStream: chunk is not an ArrayBuffer or ArrayBufferView');
        const s = state.run(bytes, false);
        if (s.length) controller.enqueue(s);
      },
      flush(controller: any) {
        const s = state.run(new Uint8Array(0), true);
        if (s.length) controller.enqueue(s);
      },
    });
  }
  get encoding(): string { return this.#state.encoding; }
  get fatal(): boolean { return this.#state.fatal; }
  get ignoreBOM(): boolean { return this.#state.ignoreBOM; }
  get readable(): any { return this.#transform.readable; }
  get writable(): any { return this.#transform.writable; }
}
