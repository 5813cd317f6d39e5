// Web IDL §4.3 DOMException: names table with legacy codes, constants, accessors on the prototype,
// prototype chain to Error.prototype, serializable (see structured-clone.ts).

const CODES: Record<string, number> = {
  IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
  NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InUseAttributeError: 10,
  InvalidStateError: 11, SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14,
  InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
  URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
};

export class DOMException extends Error {
  get [Symbol.toStringTag](): string { return 'DOMException'; }
  #name: string;
  #message: string;
  constructor(message: any = undefined, name: any = undefined) {
    super();
    this.#message = message === undefined ? '' : `${message}`;
    this.#name = name === undefined ? 'Error' : `${name}`;
  }
  get name(): string { return this.#name; }
  get message(): string { return this.#message; }
  get code(): number { return CODES[this.#name] ?? 0; }
  static isDOMException(v: any): boolean { return v !== null && typeof v === 'object' && #name in v; }
}
// Constants: read-only, non-configurable, enumerable data properties (one object literal: cheap to
// define in every fresh context).
const constants: PropertyDescriptorMap = {
  INDEX_SIZE_ERR: { value: 1, enumerable: true },
  DOMSTRING_SIZE_ERR: { value: 2, enumerable: true },
  HIERARCHY_REQUEST_ERR: { value: 3, enumerable: true },
  WRONG_DOCUMENT_ERR: { value: 4, enumerable: true },
  INVALID_CHARACTER_ERR: { value: 5, enumerable: true },
  NO_DATA_ALLOWED_ERR: { value: 6, enumerable: true },
  NO_MODIFICATION_ALLOWED_ERR: { value: 7, enumerable: true },
  NOT_FOUND_ERR: { value: 8, enumerable: true },
  NOT_SUPPORTED_ERR: { value: 9, enumerable: true },
  INUSE_ATTRIBUTE_ERR: { value: 10, enumerable: true },
  INVALID_STATE_ERR: { value: 11, enumerable: true },
  SYNTAX_ERR: { value: 12, enumerable: true },
  INVALID_MODIFICATION_ERR: { value: 13, enumerable: true },
  NAMESPACE_ERR: { value: 14, enumerable: true },
  INVALID_ACCESS_ERR: { value: 15, enumerable: true },
  VALIDATION_ERR: { value: 16, enumerable: true },
  TYPE_MISMATCH_ERR: { value: 17, enumerable: true },
  SECURITY_ERR: { value: 18, enumerable: true },
  NETWORK_ERR: { value: 19, enumerable: true },
  ABORT_ERR: { value: 20, enumerable: true },
  URL_MISMATCH_ERR: { value: 21, enumerable: true },
  QUOTA_EXCEEDED_ERR: { value: 22, enumerable: true },
  TIMEOUT_ERR: { value: 23, enumerable: true },
  INVALID_NODE_TYPE_ERR: { value: 24, enumerable: true },
  DATA_CLONE_ERR: { value: 25, enumerable: true },
};
Object.defineProperties(DOMException, constants);
Object.defineProperties(DOMException.prototype, constants);
const isDOMExceptionFn = DOMException.isDOMException;
delete (DOMException as any).isDOMException;
export const isDOMException: (v: any) => boolean = isDOMExceptionFn;

export function domError(message: string, name: string): DOMException {
  return new DOMException(message, name);
}
