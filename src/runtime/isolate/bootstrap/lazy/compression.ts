// Lazily loaded script: fflate's streaming DEFLATE classes. Its completion value is its exports.
export { Deflate, Gzip, Inflate, Zlib } from 'fflate';
