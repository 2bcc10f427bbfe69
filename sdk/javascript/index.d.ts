// Type declarations of the LoopGrid JavaScript SDK (API version 1; see the OpenAPI document at /openapi.json).

export declare const VERSION: string;
/** Sent as `X-LoopGrid-Client` on every request ("sdk-js/<version>"): a replay's default `triggered_by`. */
export declare const CLIENT: string;
export declare const MAX_SERVER_WAIT_SECONDS: number;
/** The most decisions one `POST /v1/decisions/batch` takes (100). */
export declare const MAX_BATCH: number;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type DecisionStatus = 'recorded' | 'incorrect' | 'corrected' | 'confirmed';
export type ExecutionStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface ModelInfo extends JsonObject {
  provider: string;
  name: string;
}

export interface Correction {
  output: JsonObject;
  corrected_by: string;
  corrected_at: string;
  notes?: string | null;
}

export interface Decision {
  decision_id: string;
  created_at: string;
  service_name: string;
  decision_type: string;
  /** absent when the decision was erased */
  input?: JsonObject;
  model: ModelInfo;
  /** absent when the decision was erased */
  output?: JsonObject;
  prompt?: JsonObject;
  tool_calls?: JsonObject[];
  metadata?: JsonObject;
  status: DecisionStatus;
  content_hash: string;
  chain_hash: string;
  incorrect_reason?: string | null;
  incorrect_at?: string;
  correction?: Correction;
  /** present once confirmed (kept when a later flag or correction wins) */
  confirmation?: { confirmed_by: string; confirmed_at: string; notes: string | null };
  sequence?: number;
  previous_hash?: string;
  chain_id?: string;
  /** The decision's data subject, when it names one. */
  subject_id?: string;
  /** True once the subject was erased: input, output, prompt, tool_calls and metadata are then absent. */
  erased?: boolean;
  erased_at?: string;
  erasure_reason?: string | null;
  [key: string]: unknown;
}

export interface DecisionList {
  decisions: Decision[];
  total: number;
  page: number;
  page_size: number;
  has_more: boolean;
  next_cursor?: string | null;
}

export interface DiffChange {
  path: string;
  op: 'add' | 'remove' | 'replace';
  from?: Json;
  to?: Json;
}

export interface Overrides {
  prompt?: JsonObject;
  model?: JsonObject;
  input?: JsonObject;
}

export interface Replay {
  replay_id: string;
  decision_id: string;
  created_at: string;
  triggered_by: string;
  overrides: Overrides | null;
  replay_output: JsonObject | null;
  execution_status: ExecutionStatus;
  execution_mode: 'live' | 'simulated' | 'error' | null;
  output_changed: boolean;
  diff_summary: string | null;
  provider?: string | null;
  model?: string | null;
  latency_ms?: number | null;
  tokens?: { input: number | null; output: number | null } | null;
  error?: string | null;
  completed_at?: string | null;
  diff?: DiffChange[];
  [key: string]: unknown;
}

export interface Comparison {
  decision_id: string;
  replay_id: string;
  original_output: JsonObject;
  replay_output: JsonObject | null;
  output_changed: boolean;
  diff_summary: string | null;
  diff: DiffChange[];
  [key: string]: unknown;
}

export interface Integrity {
  valid: boolean;
  total: number;
  broken_at: string | null;
  message: string;
  chains?: number;
  decisions?: number;
  head_hash?: string | null;
  [key: string]: unknown;
}

export interface VerifyResponse {
  integrity: Integrity;
  service_filter: string | null;
}

export interface ArticleAssessment {
  status: 'compliant' | 'partial' | 'non_compliant';
  description: string;
  evidence?: JsonObject;
}

export interface ComplianceReport {
  report_type: string;
  generated_at: string;
  generator: string;
  service_filter: string | null;
  summary: JsonObject;
  ledger_integrity: Integrity;
  eu_ai_act_mapping: { [article: string]: ArticleAssessment };
  report_id?: string;
  download_url?: string;
  html_url?: string;
  expires_at?: string;
  [key: string]: unknown;
}

export interface ModelUsage {
  model: string;
  decisions: number;
  reviewed: number;
  /** confirmed / reviewed, percent; null when none was reviewed */
  accuracy_percent: number | null;
  review_coverage_percent: number | null;
  /** from a log-scale sketch: each quantile is its bucket's upper bound (at most 19 % high) */
  latency_ms: { decisions: number; p50: number | null; p95: number | null };
  tokens: { decisions: number; input: number; output: number; total_only: number };
  cost: { currency: string; amount: number | null; status: 'known' | 'unknown'; basis: string };
  [key: string]: unknown;
}

export interface Stats {
  service_filter: string | null;
  generated_at: string;
  entries: number;
  decisions: number;
  reviewed: number;
  confirmed: number;
  incorrect: number;
  corrected: number;
  accuracy_percent: number | null;
  review_coverage_percent: number | null;
  time_to_verdict: { decisions: number; median_seconds: number | null; p90_seconds: number | null };
  models: ModelUsage[];
  currency: string;
  prices_configured: boolean;
  [key: string]: unknown;
}

export interface ReplayList {
  decision_id: string;
  replays: Replay[];
  page_size: number;
  has_more: boolean;
  next_cursor?: string | null;
}

export interface Health {
  status: string;
  version: string;
  service: string;
}

export interface LoopGridOptions {
  /** LoopGrid API URL; default http://localhost:8000 (the local stack). */
  baseUrl?: string;
  /** The service decisions are recorded under; default "default". */
  serviceName?: string;
  /** Milliseconds one request may take; default 30000. */
  timeout?: number;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Retries after the first attempt on 429/503/connection failures; default 3. */
  maxRetries?: number;
  /** First backoff delay in ms, doubled per retry and jittered; default 250. */
  retryDelay?: number;
  /** Cap in ms on one backoff delay and on an honoured Retry-After; default 10000. */
  maxRetryDelay?: number;
}

export interface RecordDecisionParams {
  decisionType: string;
  input: JsonObject;
  model: ModelInfo | JsonObject;
  output: JsonObject;
  prompt?: JsonObject;
  toolCalls?: JsonObject[];
  metadata?: JsonObject;
  /** Default: a fresh UUID per call (the same on the client's own retries). */
  idempotencyKey?: string;
  /** Default: the client's serviceName. */
  serviceName?: string;
  /** The data subject (a pseudonymous id, 1..128 visible ASCII): the content is sealed under the subject's key. */
  subjectId?: string;
}

/** One item's answer of recordDecisions, in request order. */
export interface DecisionResult {
  /** 201 recorded, 200 an idempotent retry (recorded before), else the item's 4xx/5xx. */
  status: number;
  ok: boolean;
  /** The Decision when `ok`, else null. */
  decision: Decision | null;
  /** Stable machine code of an error, e.g. "validation_error"; null when `ok`. */
  code: string | null;
  detail: string | null;
  errors: Array<{ field: string; message: string }>;
  /** The key the item was sent with. */
  idempotencyKey: string;
}

export interface BatcherOptions {
  /** Decisions per request (1..100); a full batch is sent at once. Default 100. */
  maxBatch?: number;
  /** Milliseconds between sends of a partial batch; default 1000. */
  flushInterval?: number;
  /** Decisions waiting at most; more are dropped (and counted). Default 10000. */
  maxQueue?: number;
  /** Resends of a batch that failed transiently (429, 5xx, no answer); default 3. */
  maxRetries?: number;
  /** First backoff delay in ms; default the client's retryDelay. */
  retryDelay?: number;
  /** Flush on the process's `beforeExit`; default true. */
  flushOnExit?: boolean;
  /** Where drops and failures are reported (`warn`); default console. */
  logger?: { warn(message: string): void };
}

/** Records decisions in the background, in batches (see the README's "Background batching"). */
export declare class Batcher {
  readonly recorded: number;
  readonly dropped: number;
  readonly failed: number;
  readonly pending: number;
  /** Queue a decision; true when queued, false when dropped (queue full, or closed). Never throws. */
  record(decision: RecordDecisionParams): boolean;
  /** Send everything queued so far; resolves (never rejects) when it is recorded or given up on. */
  flush(): Promise<boolean>;
  /** Stop taking decisions and send what is queued; false when `timeout` (ms) passed first. */
  close(options?: { timeout?: number }): Promise<boolean>;
}

export interface ListDecisionsOptions {
  serviceName?: string;
  decisionType?: string;
  status?: DecisionStatus;
  page?: number;
  pageSize?: number;
  cursor?: string;
  since?: Date | string;
  until?: Date | string;
}

export interface ExportPage {
  decisions: Decision[];
  total: number;
  page_size?: number;
  has_more?: boolean;
  next_cursor?: string | null;
}

export interface ExportOptions {
  serviceName?: string;
  status?: DecisionStatus;
  /** 1..1000 decisions a page (JSON only). */
  pageSize?: number;
  cursor?: string;
}

/** One line of the ground-truth export: a corrected decision. */
export interface GroundTruthRecord {
  decision_id: string;
  service_name: string;
  decision_type: string;
  created_at: string;
  model_label?: string;
  model: ModelInfo;
  input: JsonObject;
  prompt?: JsonObject | null;
  original_output: JsonObject;
  correction: JsonObject;
  corrected_by: string;
  corrected_at: string;
  notes?: string | null;
  incorrect_reason?: string | null;
  decision_entry: { chain_id: string; sequence: number; content_hash: string; chain_hash: string; previous_hash: string };
  correction_entry: { sequence: number | null; chain_hash: string | null };
  [key: string]: unknown;
}

export type Role = 'writer' | 'reviewer' | 'auditor' | 'admin';

/** A key's record: never its hash; the secret `api_key` only in the answer of createApiKey. */
export interface ApiKey {
  key_id: string;
  tenant: string;
  role: Role;
  name: string | null;
  prefix: string;
  created_at: string;
  created_by: string;
  revoked: boolean;
  revoked_at: string | null;
  api_key?: string;
}

/** A data subject's erasure (POST/GET /v1/subjects/{subject_id}/erasure). */
export interface Erasure {
  subject_id: string;
  status: 'none' | 'scheduled' | 'erased';
  erased: boolean;
  erased_at?: string;
  reason?: string | null;
  request_ref?: string | null;
  key_id?: string;
  erasure_sequence?: number;
  /** True once backups can no longer restore the destroyed key. */
  complete?: boolean;
  complete_after?: string;
  /** When a scheduled erasure runs. */
  run_at?: string;
  detail?: string;
  [key: string]: unknown;
}

export type HoldScope = 'decision' | 'subject' | 'service';

export interface Hold {
  hold_id: string;
  scope: HoldScope;
  target: string;
  /** For a decision hold: the decision's data subject. */
  subject_id?: string;
  reason: string;
  case_ref?: string | null;
  placed_by?: string;
  placed_at?: string;
  sequence?: number;
  released?: boolean;
  [key: string]: unknown;
}

export interface Retention {
  floor_days: number;
  default?: boolean;
}

export declare class LoopGridError extends Error {
  constructor(message: string, options?: { cause?: unknown });
}

export declare class LoopGridAPIError extends LoopGridError {
  constructor(statusCode: number, detail: string,
              extra?: { code?: string | null; errors?: Array<{ field: string; message: string }>; body?: unknown });
  readonly statusCode: number;
  readonly detail: string;
  /** Stable machine code, e.g. "decision_not_found"; null when the answer did not come from LoopGrid. */
  readonly code: string | null;
  readonly errors: Array<{ field: string; message: string }>;
  readonly body: unknown;
}

export declare class LoopGrid {
  constructor(options?: LoopGridOptions);
  readonly baseUrl: string;
  readonly serviceName: string;
  readonly timeout: number;
  recordDecision(params: RecordDecisionParams): Promise<Decision>;
  /** POST /v1/decisions/batch: one result per item, in order; lists above 100 are split. */
  recordDecisions(decisions: RecordDecisionParams[]): Promise<DecisionResult[]>;
  /** A background recorder: record() queues and returns at once. */
  batcher(options?: BatcherOptions): Batcher;
  getDecision(decisionId: string): Promise<Decision>;
  listDecisions(options?: ListDecisionsOptions): Promise<DecisionList>;
  iterateDecisions(options?: Omit<ListDecisionsOptions, 'page' | 'cursor'>): AsyncGenerator<Decision, void, undefined>;
  markIncorrect(decisionId: string, reason?: string): Promise<Decision>;
  attachCorrection(params: { decisionId: string; correction: JsonObject; correctedBy: string; notes?: string }): Promise<Decision>;
  /** Confirm a decision as right; 409 `verdict_superseded` when it is already incorrect or corrected. */
  confirmDecision(params: { decisionId: string; confirmedBy: string; notes?: string }): Promise<Decision>;
  /** Verdicts, accuracy, review coverage, time to verdict; per model latency p50/p95, tokens and cost. */
  stats(serviceName?: string): Promise<Stats>;
  listDecisionReplays(decisionId: string, options?: { pageSize?: number; cursor?: string }): Promise<ReplayList>;
  iterateDecisionReplays(decisionId: string, options?: { pageSize?: number }): AsyncGenerator<Replay, void, undefined>;
  /** `wait` in ms: hold until the replay finishes or `wait` passes. */
  createReplay(params: { decisionId: string; overrides?: Overrides; triggeredBy?: string; wait?: number }): Promise<Replay>;
  waitForReplay(replayId: string, options?: { timeout?: number }): Promise<Replay>;
  getReplay(replayId: string): Promise<Replay>;
  compare(decisionId: string, replayId: string): Promise<Comparison>;
  verifyIntegrity(serviceName?: string): Promise<VerifyResponse>;
  complianceReport(serviceName?: string): Promise<ComplianceReport>;
  /** The printable, self-contained HTML compliance report. */
  complianceReportHtml(serviceName?: string): Promise<string>;
  health(): Promise<Health>;
  exportDecisions(options?: ExportOptions): Promise<ExportPage>;
  iterateExport(options?: Omit<ExportOptions, 'cursor'>): AsyncGenerator<Decision, void, undefined>;
  /** The CSV file; a stored (large) export is downloaded from its link without the API key. */
  exportDecisionsCsv(options?: { serviceName?: string; status?: DecisionStatus; raw?: boolean }): Promise<string>;
  exportGroundTruth(serviceName?: string): Promise<GroundTruthRecord[]>;
  createApiKey(params: { role: Role; name?: string }): Promise<ApiKey & { api_key: string }>;
  listApiKeys(): Promise<{ keys: ApiKey[]; total: number }>;
  revokeApiKey(keyId: string): Promise<ApiKey>;
  /** Erase a data subject; `scheduled` is true when the server answered 202 (see `run_at`). 409 `legal_hold` under a hold. */
  eraseSubject(subjectId: string,
               options?: { reason?: string; requestRef?: string; legalBasis?: string; requestedBy?: string }):
    Promise<Erasure & { scheduled: boolean }>;
  getErasure(subjectId: string): Promise<Erasure>;
  placeHold(params: { scope: HoldScope; target: string; reason: string; caseRef?: string; placedBy?: string }): Promise<Hold>;
  listHolds(): Promise<{ holds: Hold[]; total: number }>;
  /** The released hold (`released: true`). */
  releaseHold(holdId: string, reason?: string): Promise<Hold>;
  getRetention(): Promise<Retention>;
  setRetention(floorDays: number): Promise<Retention>;
  /** A decision's receipt, or null while it is not yet in a signed checkpoint (202). `wait` in ms (server holds ≤ 20 s). */
  receipt(decisionId: string, options?: { wait?: number }): Promise<Receipt | null>;
  /** Any entry's receipt by chain and sequence, or null while pending. */
  entryReceipt(chainId: string, sequence: number, options?: { wait?: number }): Promise<Receipt | null>;
  /** The log's verifier key (C2SP vkey): fetch once and pin it. */
  logKey(): Promise<string>;
  /** The latest signed checkpoint (C2SP signed note). */
  logCheckpoint(): Promise<string>;
}

export interface WrapOptions {
  /** Default "chat_completion" (OpenAI) or "message" (Anthropic). */
  decisionType?: string;
  /** Overrides the grid's service name. */
  serviceName?: string;
  /** Merged into every recorded prompt, e.g. { template: "support_v1" }. */
  prompt?: JsonObject;
  /** Merged into every recorded metadata. */
  metadata?: JsonObject;
  /** Keep decisions that failed to record and send them again later; default false. */
  buffer?: boolean;
  /** Most decisions kept in the buffer (oldest dropped first); default 1000. */
  maxBuffer?: number;
  /** Where recording failures are reported (`warn`); default console. */
  logger?: { warn(message: string): void };
}

export declare class Recorder {
  readonly grid: LoopGrid;
  readonly provider: 'openai' | 'anthropic';
  /** Decisions that failed to record (each was logged). */
  readonly failures: number;
  /** The decision recorded last, or null. */
  readonly lastDecision: Decision | null;
  /** Decisions waiting in the buffer. */
  readonly pending: number;
  /** Resolves once every recording started so far has finished. */
  idle(): Promise<void>;
  /** Sends buffered decisions again; resolves to how many were recorded. Never rejects. */
  flush(): Promise<number>;
}

export type Recorded<T> = T & { readonly loopgrid: Recorder };

export declare function wrapOpenAI<T extends object>(client: T, grid: LoopGrid, options?: WrapOptions): Recorded<T>;
export declare function wrapAnthropic<T extends object>(client: T, grid: LoopGrid, options?: WrapOptions): Recorded<T>;
export declare function wrap<T extends object>(client: T, grid: LoopGrid, options?: WrapOptions): Recorded<T>;

// ---- Offline verification (src/verify.js): RFC 9162 Merkle proofs, C2SP signed notes, checkpoints, cosignatures ----

/** Why verification failed (the same names as the Java module's VerificationException.Reason). */
export type VerificationReason =
  | 'BAD_HASH_LENGTH' | 'INDEX_OUT_OF_RANGE' | 'BAD_TREE_SIZES' | 'WRONG_PROOF_LENGTH' | 'ROOT_MISMATCH'
  | 'MALFORMED_NOTE' | 'MALFORMED_KEY' | 'UNKNOWN_KEY' | 'AMBIGUOUS_KEY' | 'BAD_SIGNATURE'
  | 'MALFORMED_CHECKPOINT' | 'ORIGIN_MISMATCH';

/** Thrown by every verifier and strict parser of src/verify.js. */
export declare class VerificationError extends Error {
  readonly reason: VerificationReason;
  constructor(reason: VerificationReason, detail: string);
}

/** Tree sizes and indices: numbers, or bigints above 2^53. */
export type TreeNumber = number | bigint;

export declare const HASH_SIZE: number;
/** SHA-256(0x00 || data). */
export declare function leafHash(data: Uint8Array): Uint8Array;
/** SHA-256(0x01 || left || right). */
export declare function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array;
/** SHA-256 of nothing: the root of the empty tree. */
export declare function emptyRoot(): Uint8Array;
/** The exact number of hashes of an inclusion proof (0 <= index < size). */
export declare function inclusionProofLength(index: TreeNumber, size: TreeNumber): number;
/** The exact number of hashes of a consistency proof (0 < size1 <= size2). */
export declare function consistencyProofLength(size1: TreeNumber, size2: TreeNumber): number;
/** The root an inclusion proof gives (RFC 9162 2.1.3.2) after the length checks; throws VerificationError. */
export declare function rootFromInclusionProof(index: TreeNumber, size: TreeNumber, leafHash: Uint8Array, proof: Uint8Array[]): Uint8Array;
/** Throws VerificationError unless leafHash is leaf `index` of the tree of `size` leaves with `root`. */
export declare function verifyInclusion(index: TreeNumber, size: TreeNumber, leafHash: Uint8Array, proof: Uint8Array[], root: Uint8Array): void;
/** Throws VerificationError unless (size1, root1) is a prefix of (size2, root2); size1 = 0 is refused. */
export declare function verifyConsistency(size1: TreeNumber, size2: TreeNumber, proof: Uint8Array[], root1: Uint8Array, root2: Uint8Array): void;

/** A C2SP verifier key `<name>+<hex key ID>+<base64(type || key)>`: Ed25519 (0x01) or cosignature (0x04). */
export declare class NoteVerifier {
  readonly name: string;
  readonly type: number;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  constructor(name: string, type: number, publicKey: Uint8Array);
  static parse(vkey: string): NoteVerifier;
  vkey(): string;
  /** Whether `signature` (after the 4-byte key ID) is valid over the note text. */
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSignature {
  name: string;
  keyId: number;
  /** The signature bytes after the key ID. */
  signature: Uint8Array;
}

export interface SignedNote {
  /** The signed text, final newline included. */
  text: string;
  signatures: NoteSignature[];
}

export interface VerifiedNote {
  text: string;
  verified: NoteSignature[];
  unknown: NoteSignature[];
}

export interface Checkpoint {
  origin: string;
  size: bigint;
  rootHash: Uint8Array;
  extensions: string[];
}

/** `cosignature/v1\ntime <t>\n` followed by the checkpoint text. */
export declare function cosignatureMessage(checkpointText: Uint8Array, timestamp: bigint | number): Uint8Array;
/** Parses a signed note strictly (throws VerificationError MALFORMED_NOTE). */
export declare function parseNote(message: string | Uint8Array): SignedNote;
/** Verifies with the known keys: unknown ones ignored, a bad known one throws BAD_SIGNATURE, none throws UNKNOWN_KEY. */
export declare function verifyNote(note: SignedNote, known: NoteVerifier[]): VerifiedNote;
/** Parses checkpoint note text strictly (throws MALFORMED_CHECKPOINT). */
export declare function parseCheckpoint(text: string): Checkpoint;
/** Formats checkpoint note text. */
export declare function formatCheckpoint(checkpoint: Omit<Checkpoint, 'extensions'> & { extensions?: string[]; size: bigint | number }): string;
/** Parses a signed checkpoint and requires a valid signature by logKey and the expected origin. */
export declare function openCheckpoint(signedNote: string | Uint8Array, origin: string, logKey: NoteVerifier): Checkpoint;
/** Verifies a cosignature/v1 by `cosigner` (a 0x04 key) on the note; returns its timestamp. */
export declare function verifyCosignature(note: SignedNote, cosigner: NoteVerifier): bigint;

// ---- Receipts (src/receipts.js) ----

/** A ledger entry's envelope fields, as a receipt carries them. */
export interface ReceiptEntry {
  v: 1;
  chain_id: string;
  sequence: number;
  type: 'decision' | 'flag' | 'correction' | 'replay' | string;
  id: string;
  decision_id: string;
  recorded_at: string;
  content_hash: string;
  previous_hash: string;
  chain_hash: string;
}

/** GET /v1/decisions/{id}/receipt, GET /v1/entries/{chain}/{sequence}/receipt. */
export interface Receipt {
  format: 'loopgrid-receipt/v1';
  /** `<key name>/<tenant>`. */
  origin: string;
  entry: ReceiptEntry;
  leaf_index: number;
  tree_size: number;
  /** C2SP tlog-proof: header, extra <base64 envelope>, index, proof hashes, blank line, signed checkpoint. */
  tlog_proof: string;
}

/** The check a receipt failed. */
export type ReceiptCheck = 'malformed' | 'chain-hash' | 'leaf-data' | 'origin' | 'signature' | 'inclusion' | 'decision';

/** Thrown by verifyReceipt: `check` names the failed check, the message what differs. */
export declare class ReceiptError extends Error {
  readonly check: ReceiptCheck;
  readonly detail: string;
  constructor(check: ReceiptCheck, detail: string);
}

/** What a valid receipt proves. */
export interface VerifiedReceipt {
  origin: string;
  leafIndex: number;
  treeSize: number;
  rootHash: Uint8Array;
  entry: Omit<ReceiptEntry, 'v'>;
}

/**
 * Verifies a receipt offline with the log's verifier key: entry hash, leaf data, origin, checkpoint signature,
 * inclusion proof, and with `decision` (GET /v1/decisions/{id}) its content hash and ids. Throws ReceiptError.
 */
export declare function verifyReceipt(receipt: Receipt | string | Uint8Array, key: string | NoteVerifier,
                                      options?: { origin?: string | null; decision?: JsonObject | null }): VerifiedReceipt;
/** RFC 8785 canonical JSON text. */
export declare function canonicalJson(value: unknown): string;
/** The entry's canonical envelope bytes: its leaf data; SHA-256 of them is its chain_hash. */
export declare function entryEnvelope(entry: Omit<ReceiptEntry, 'v' | 'chain_hash'>): Uint8Array;

export default LoopGrid;
