// Byte helpers shared by the ledger modules. Base64 here is RFC 4648 §4 (standard alphabet, with
// padding) and decoding is strict: Buffer.from(s, 'base64') silently skips junk and accepts
// missing padding, which would let two different strings name the same key or signature.

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decodes canonical standard base64, or returns null: wrong alphabet, missing or extra padding,
 * or non-zero unused bits in the last character (which a re-encode would not reproduce).
 */
export function fromBase64(text: string): Uint8Array | null {
  if (!BASE64_RE.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return null;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Decodes lowercase or uppercase hex of even length, or returns null. */
export function fromHex(text: string): Uint8Array | null {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) return null;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Decodes well-formed UTF-8 or returns null (overlong forms, lone surrogates and truncation included). */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return null;
  }
}

/** Encodes a string that must be well-formed UTF-16 (no lone surrogates, which UTF-8 cannot carry). */
export function encodeUtf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/**
 * True if `text` holds an ASCII control character (below U+0020), other than newline when
 * `allowNewline`, or DEL (U+007F) when `includeDel`. A loop rather than a regex: lint forbids
 * control characters in regular expressions, and this reads plainly.
 */
export function hasControlChar(text: string, options: { allowNewline?: boolean; includeDel?: boolean } = {}): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && !(c === 0x0a && options.allowNewline)) || (c === 0x7f && options.includeDel)) return true;
  }
  return false;
}
