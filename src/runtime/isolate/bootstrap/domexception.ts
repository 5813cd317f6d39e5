// Web IDL §4.3 DOMException: names table with legacy codes, constants, accessors on the prototype,
// prototype chain to Error.prototype, serializable (see structured-clone.ts).
import { tag } from './util.ts';

const CODES: Record<string, number> = {
  IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
  NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InUseAttributeError: 10,
  InvalidStateError: 11, SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14,
  InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
  URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
};

const CONSTANTS: Array<[string, number]> = [
  ['INDEX_SIZE_ERR', 1], ['DOMSTRING_SIZE_ERR', 2], ['HIERARCHY_REQUEST_ERR', 3], ['WRONG_DOCUMENT_ERR', 4],
  ['INVALID_CHARACTER_ERR', 5], ['NO_DATA_ALLOWED_ERR', 6], ['NO_MODIFICATION_ALLOWED_ERR', 7],
  ['NOT_FOUND_ERR', 8], ['NOT_SUPPORTED_ERR', 9], ['INUSE_ATTRIBUTE_ERR', 10], ['INVALID_STATE_ERR', 11],
  ['SYNTAX_ERR', 12], ['INVALID_MODIFICATION_ERR', 13], ['NAMESPACE_ERR', 14], ['INVALID_ACCESS_ERR', 15],
  ['VALIDATION_ERR', 16], ['TYPE_MISMATCH_ERR', 17], ['SECURITY_ERR', 18], ['NETWORK_ERR', 19],
  ['ABORT_ERR', 20], ['URL_MISMATCH_ERR', 21], ['QUOTA_EXCEEDED_ERR', 22], ['TIMEOUT_ERR', 23],
  ['INVALID_NODE_TYPE_ERR', 24], ['DATA_CLONE_ERR', 25],
];

export class DOMException extends Error {
  #name: string;
  #message: string;
  constructor(message: any = undefined, name: any = undefined) {
    super();
    this.#message = message === undefined ? '' : `${message}`;
    this.#name = name === undefined ? 'Error' : `${name}`;
  }
  // @ts-expect-error accessor over Error's data property is the Web IDL shape
  get name(): string { return this.#name; }
  // @ts-expect-error accessor over Error's data property is the Web IDL shape
  get message(): string { return this.#message; }
  get code(): number { return CODES[this.#name] ?? 0; }
  static isDOMException(v: any): boolean { return v !== null && typeof v === 'object' && #name in v; }
}
tag(DOMException, 'DOMException');
for (const k of ['name', 'message', 'code']) {
  const d = Object.getOwnPropertyDescriptor(DOMException.prototype, k)!;
  d.enumerable = true;
  Object.defineProperty(DOMException.prototype, k, d);
}
for (const [k, v] of CONSTANTS) {
  const d = { value: v, writable: false, enumerable: true, configurable: false };
  Object.defineProperty(DOMException, k, d);
  Object.defineProperty(DOMException.prototype, k, d);
}
const isDOMExceptionFn = DOMException.isDOMException;
delete (DOMException as any).isDOMException;
export const isDOMException: (v: any) => boolean = isDOMExceptionFn;

export function domError(message: string, name: string): DOMException {
  return new DOMException(message, name);
}
