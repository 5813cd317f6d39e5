// Lazily loaded script: the URL parser (vendored from whatwg-url) and the
// application/x-www-form-urlencoded parser/serializer. Its completion value is its exports.
export { setDeps } from '../vendor/whatwg-url/deps.js';
export {
  basicURLParse, serializeURL, serializeURLOrigin, serializeHost, serializeInteger, serializePath,
  setTheUsername, setThePassword, cannotHaveAUsernamePasswordPort, hasAnOpaquePath,
} from '../vendor/whatwg-url/url-state-machine.js';
export { parseUrlencodedString, serializeUrlencoded } from '../vendor/whatwg-url/urlencoded.js';
export { percentDecodeString } from '../vendor/whatwg-url/percent-encoding.js';
