// Cairn's verifiable ledger as a library: RFC 9162 Merkle tree, proofs and verifiers, C2SP signed
// notes and checkpoints, RFC 8785 canonical JSON entries, a storage contract and the group-commit
// log. It imports nothing from the rest of Cairn; see docs/ledger.md.
export { LedgerError, isLedgerError, type LedgerErrorCode } from './errors.ts';
export { fromBase64, toBase64, fromHex, toHex, bytesEqual } from './bytes.ts';
export { EMPTY_ROOT, HASH_SIZE, leafHash, nodeHash, sha256 } from './hash.ts';
export { type LeafRange, type NodeId, foldSubtrees, isTreeSize, splitPoint, subtreesOf } from './tree.ts';
export { type NodeReader, consistencyProof, consistencyRanges, hashRanges, inclusionProof, inclusionRanges, rootHash } from './proof.ts';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify.ts';
export { EMPTY_FRONTIER, type Frontier, extendFrontier, frontierRoot } from './compact.ts';
export { type AppendBatch, type LedgerStore, type StoredCheckpoint, type StoredNode, checkAppendBatch, checkEntryRange } from './store.ts';
export { MemoryLedgerStore } from './memory-store.ts';
export { Ledger, type LedgerOptions, type SignedCheckpoint, loadFrontier } from './ledger.ts';
export {
  MAX_NOTE_SIGNATURES, type NoteSigner, type NoteSignature, type NoteVerifier, type OpenedNote, SIGNATURE_TYPE_ED25519,
  createEd25519Signer, createEd25519Verifier, ed25519KeyId, formatSignerKey, formatVerifierKey, generateNoteKey, isValidKeyName,
  openNote, parseSignerKey, parseVerifierKey, signNote,
} from './note.ts';
export { type Checkpoint, formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint.ts';
export { type JsonValue, MAX_JSON_DEPTH, canonicalBytes, canonicalize } from './jcs.ts';
export {
  DEFAULT_MAX_BODY_BYTES, ENTRY_SIGNING_CONTEXT, ENTRY_VERSION, type CreateEntryOptions, type Entry, type EntryInput, type EntrySignature,
  type SignedFields, createEntry, decodeEntry, encodeEntry, signEntry, signingBytes, verifyEntrySignature,
} from './entry.ts';
export { EntryLog, type LoggedEntry } from './entry-log.ts';
export { type AuditOptions, type AuditReport, auditStore } from './audit.ts';
export { generateSeed, privateKeyFromSeed, publicKeyFromRaw, rawPublicKey, rawSeed } from './ed25519.ts';
export { KeyedMutex } from './mutex.ts';
export {
  KEY_SEPARATOR, MemoryStateStore, type Reducer, type ReduceContext, StateApplier, type StateCommit, type StatePut, type StateRow, type StateStore,
  Working, checkStateCommit, compareKeys, isStateType, stateKey, statePrefix,
} from './state.ts';
export { type Caller, type StateContext } from './context.ts';
export {
  DOCUMENT_ID_RE, TABLE_NAME_RE, type DocumentData, type DocumentRevision, type DocumentState, Documents, type RevisionOp, type TableInfo,
  type WriteOptions, documentReducers,
} from './documents.ts';
export {
  ACCOUNT_ID_RE, type AccountInfo, Accounts, CURRENCY_RE, IDEMPOTENCY_KEY_RE, type TransferRequest, type TransferResult, accountReducers, parseAmount,
} from './accounts.ts';
export {
  ED25519_PUB_MULTICODEC, IDENTITY_KINDS, type IdentityInfo, type IdentityKeyVersion, type IdentityKind, Identities, base58btcDecode, base58btcEncode,
  didKeyFromPublicKey, identityReducers, publicKeyFromDidKey, rotationPossessionBytes,
} from './identity.ts';
export { PROOF_BUNDLE_FORMAT, type CheckedProof, type ProofBundle, checkProofBundle } from './proof-bundle.ts';
export { type ConsistencyAnswer, type InclusionAnswer, LedgerService, type LedgerServiceOptions, STATE_REDUCERS, isReservedType } from './service.ts';
export { type CheckOptions, type CheckProblem, type CheckReport, type CheckStage, checkLedger } from './check.ts';
