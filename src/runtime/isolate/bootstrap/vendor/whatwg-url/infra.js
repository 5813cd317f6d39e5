// Vendored from whatwg-url 16.0.1 (MIT, see LICENSE.txt), converted to ES modules; UTF-8 only.

// Note that we take code points as JS numbers, not JS strings.

export function isASCIIDigit(c) {
  return c >= 0x30 && c <= 0x39;
}

export function isASCIIAlpha(c) {
  return (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A);
}

export function isASCIIAlphanumeric(c) {
  return isASCIIAlpha(c) || isASCIIDigit(c);
}

export function isASCIIHex(c) {
  return isASCIIDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

