// Lazily loaded script: UTS #46 (tr46) for non-ASCII hosts. Its completion value is its exports.
export { toASCII, toUnicode } from 'tr46';
