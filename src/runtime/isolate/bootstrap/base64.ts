// HTML §8.3 atob()/btoa() and Infra §4.7 forgiving-base64 encode/decode.
import { DOMException } from './domexception.ts';
import { requireArgs, toStr } from './util.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
let REVERSE: Int16Array | null = null;
function reverse(): Int16Array {
  if (REVERSE === null) {
    REVERSE = new Int16Array(128).fill(-1);
    for (let i = 0; i < 64; i++) REVERSE[ALPHABET.charCodeAt(i)] = i;
  }
  return REVERSE;
}

export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  const n = bytes.length;
  let i = 0;
  const parts: string[] = [];
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]! + ALPHABET[v & 63]!;
    if (out.length >= 8192) {
      parts.push(out);
      out = '';
    }
  }
  if (i < n) {
    const v = (bytes[i]! << 16) | (i + 1 < n ? bytes[i + 1]! << 8 : 0);
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + (i + 1 < n ? ALPHABET[(v >> 6) & 63]! : '=') + '=';
  }
  parts.push(out);
  return parts.join('');
}

/** Infra forgiving-base64 decode; null on failure. */
export function forgivingBase64Decode(input: string): Uint8Array | null {
  let s = input.replace(/[\t\n\f\r ]+/g, '');
  if (s.length % 4 === 0) {
    if (s.endsWith('==')) s = s.slice(0, -2);
    else if (s.endsWith('=')) s = s.slice(0, -1);
  }
  if (s.length % 4 === 1) return null;
  const n = s.length;
  const out = new Uint8Array((n * 3) >> 2);
  const REV = reverse();
  let buffer = 0, bits = 0, p = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? REV[c]! : -1;
    if (v < 0) return null;
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[p++] = (buffer >> bits) & 0xff;
    }
  }
  return p === out.length ? out : out.slice(0, p);
}

export function btoa(data: any): string {
  requireArgs(arguments.length, 1, "'btoa'");
  const s = toStr(data);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new DOMException("Failed to execute 'btoa': The string to be encoded contains characters outside of the Latin1 range.", 'InvalidCharacterError');
    bytes[i] = c;
  }
  return base64Encode(bytes);
}

export function atob(data: any): string {
  requireArgs(arguments.length, 1, "'atob'");
  const bytes = forgivingBase64Decode(toStr(data));
  if (bytes === null) throw new DOMException("Failed to execute 'atob': The string to be decoded is not correctly encoded.", 'InvalidCharacterError');
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 8192) {
    parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]));
  }
  return parts.join('');
}
