// RFC 8785 JSON Canonicalization Scheme (JCS).
//
// - Data model: I-JSON (RFC 7493, required by RFC 8785 §3.1): objects, arrays, strings without
//   lone surrogates, finite IEEE 754 doubles, true, false, null. Anything else is refused rather
//   than silently dropped or coerced (JSON.stringify would drop undefined and call toJSON).
// - Numbers (§3.2.2.3): the ECMAScript Number-to-String algorithm, which is what V8's String(n)
//   implements; -0 serialises as 0.
// - Strings (§3.2.2.2): '"' and '\' escaped, U+0008/09/0A/0C/0D as \b \t \n \f \r, the other
//   controls below U+0020 as \u00xx (lowercase hex), everything else literally — exactly
//   JSON.stringify's output for a well-formed string.
// - Objects (§3.2.3): properties sorted by their names as arrays of UTF-16 code units, compared
//   unit by unit — what JavaScript's default string comparison does.
// - No whitespace anywhere.
import { encodeUtf8 } from './bytes.ts';
import { LedgerError } from './errors.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Nesting deeper than this is refused: it would only serve to exhaust the stack. */
export const MAX_JSON_DEPTH = 128;

function fail(path: string, what: string): never {
  throw new LedgerError('invalid', `cannot canonicalise ${path || 'the value'}: ${what}`);
}

function serializeString(s: string, path: string): string {
  if (/\p{Cs}/u.test(s)) fail(path, 'string contains a lone surrogate (not I-JSON)');
  return JSON.stringify(s);
}

function serialize(value: unknown, path: string, depth: number, out: string[]): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `${value} has no JSON representation`);
      out.push(Object.is(value, -0) ? '0' : String(value));
      return;
    case 'string':
      out.push(serializeString(value, path));
      return;
    case 'object':
      break;
    default:
      fail(path, `${typeof value} is not a JSON value`);
  }
  if (depth >= MAX_JSON_DEPTH) fail(path, `nesting deeper than ${MAX_JSON_DEPTH}`);
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      if (!(i in value)) fail(`${path}[${i}]`, 'sparse array hole');
      serialize(value[i], `${path}[${i}]`, depth + 1, out);
    }
    out.push(']');
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) fail(path, `${(value as object).constructor?.name ?? 'object'} is not a plain object`);
  if (Object.getOwnPropertySymbols(value).length > 0) fail(path, 'symbol-keyed property');
  // Default sort compares UTF-16 code units: RFC 8785 §3.2.3's order.
  const keys = Object.keys(value).sort();
  out.push('{');
  keys.forEach((key, i) => {
    if (i > 0) out.push(',');
    const child = `${path}.${key}`;
    out.push(serializeString(key, child), ':');
    serialize((value as Record<string, unknown>)[key], child, depth + 1, out);
  });
  out.push('}');
}

/** The canonical JSON text of `value`; throws LedgerError 'invalid' for anything outside I-JSON. */
export function canonicalize(value: unknown): string {
  const out: string[] = [];
  serialize(value, '', 0, out);
  return out.join('');
}

/** The canonical JSON of `value` as UTF-8 bytes: what gets hashed and signed. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encodeUtf8(canonicalize(value));
}
