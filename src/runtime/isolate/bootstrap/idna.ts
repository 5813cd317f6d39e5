// Domain to ASCII for the URL parser (UTS #46 via tr46). The tr46 tables are large, so they live in
// a separate script the host compiles on first use; plain ASCII domains never need them.
import { hostCall } from './util.ts';

let mod: { toASCII: (d: string, o: any) => string | null; toUnicode: (d: string, o: any) => { domain: string } } | null = null;

function tr46() {
  return (mod ??= hostCall('load', 'idna'));
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;
const PUNYCODE_LABEL = /(^|\.)xn--/i;

/**
 * For ASCII input without "xn--" labels, UTS #46 processing with the URL Standard's options
 * (UseSTD3ASCIIRules=false, CheckHyphens=false, Transitional=false) is ASCII lowercasing.
 */
export function toASCII(domain: string, options: any): string | null {
  if (ASCII.test(domain) && !PUNYCODE_LABEL.test(domain)) return domain.toLowerCase();
  return tr46().toASCII(domain, options);
}

export function toUnicode(domain: string, options: any): { domain: string } {
  return tr46().toUnicode(domain, options);
}
