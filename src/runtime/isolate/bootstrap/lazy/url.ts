// Lazily loaded script: the WHATWG URL parser and the application/x-www-form-urlencoded
// parser/serializer, from the whatwg-url package (bundled by esbuild; the package's own
// IDNA dependency, tr46, comes with it). Its completion value is its exports.
export {
  basicURLParse, serializeURL, serializeURLOrigin, serializeHost, serializeInteger, serializePath,
  setTheUsername, setThePassword, cannotHaveAUsernamePasswordPort, hasAnOpaquePath,
} from 'whatwg-url/lib/url-state-machine.js';
export { parseUrlencodedString, serializeUrlencoded } from 'whatwg-url/lib/urlencoded.js';
export { percentDecodeString } from 'whatwg-url/lib/percent-encoding.js';
