// What the vendored URL parser needs from the rest of the bootstrap. The parser is a separate
// script loaded on first use, so these are handed over by setDeps() instead of being imported.
export let utf8Encode;
export let utf8DecodeWithoutBOM;
export let toASCII;

export function setDeps(deps) {
  utf8Encode = deps.utf8Encode;
  utf8DecodeWithoutBOM = deps.utf8DecodeWithoutBOM;
  toASCII = deps.toASCII;
}
