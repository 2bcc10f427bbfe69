// Offline verification of LoopGrid receipts (loopgrid-receipt/v1): the same checks, in the same order, as the Java
// dev.loopgrid.verify.Receipt, `java -jar loopgrid-verify.jar receipt` and Python's verify_receipt (docs/verifier.md),
// on the same fixtures (verify/src/test/resources/receipts/receipts.json). node:crypto only.
//
//   import { verifyReceipt } from 'loopgrid';
//   const proof = verifyReceipt(await grid.receipt(decisionId, { wait: 10000 }), pinnedLogKey,
//     { decision: await grid.getDecision(decisionId) });

import { createHash } from 'node:crypto';
import {
  NoteVerifier, VerificationError, leafHash, parseCheckpoint, parseNote, verifyInclusion, verifyNote,
} from './verify.js';

const FORMAT = 'loopgrid-receipt/v1';
const PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
const DECISION_CONTENT = ['service_name', 'decision_type', 'input', 'model', 'output', 'prompt', 'tool_calls', 'metadata'];
const MAX_INDEX = (1n << 63n) - 1n;

/**
 * A receipt that does not verify. `check` names the failed check: malformed, chain-hash, leaf-data, origin,
 * signature, inclusion or decision; the message says exactly what differs.
 */
export class ReceiptError extends Error {
  constructor(check, detail) {
    super(`${check}: ${detail}`);
    this.name = 'ReceiptError';
    this.check = check;
    this.detail = detail;
  }
}

const sha256hex = (bytes) => createHash('sha256').update(bytes).digest('hex');

function jcsString(s) {
  const wellFormed = s.isWellFormed ? s.isWellFormed() : !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
  if (!wellFormed) throw new TypeError('lone surrogate in a string');
  return JSON.stringify(s); // for well-formed strings JSON.stringify escapes exactly as RFC 8785 does
}

/**
 * RFC 8785 canonical text of a JSON value: members sorted by UTF-16 code units, minimal string escaping, numbers as
 * ECMAScript prints them, no white space.
 */
export function canonicalJson(value) {
  if (value === null || value === true || value === false) return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('NaN and infinities have no JSON form');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return jcsString(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${jcsString(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

/** An entry's canonical envelope (docs/ledger-format.md): its leaf data, whose SHA-256 is its chain_hash. */
export function entryEnvelope(e) {
  return Buffer.from(`{"chain_id":${jcsString(e.chain_id)},"content_hash":${jcsString(e.content_hash)}`
    + `,"decision_id":${jcsString(e.decision_id)},"id":${jcsString(e.id)},"previous_hash":${jcsString(e.previous_hash)}`
    + `,"recorded_at":${jcsString(e.recorded_at)},"sequence":${e.sequence},"type":${jcsString(e.type)},"v":1}`, 'utf8');
}

function b64(s, what) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new ReceiptError('malformed', `${what} is not base64`);
  const out = Buffer.from(s, 'base64');
  if (out.toString('base64') !== s) throw new ReceiptError('malformed', `${what} is not canonical base64`);
  return new Uint8Array(out);
}

function parseProof(text) {
  const blank = text.indexOf('\n\n');
  const bad = (m) => new ReceiptError('malformed', `tlog_proof is not a C2SP tlog-proof: ${m}`);
  if (blank < 0) throw bad('no blank line before the checkpoint');
  const lines = text.slice(0, blank).split('\n');
  const checkpoint = text.slice(blank + 2);
  if (!checkpoint) throw bad('no checkpoint after the blank line');
  if (lines[0] !== PROOF_HEADER) throw bad(`the first line must be ${PROOF_HEADER}`);
  let i = 1;
  let extra = null;
  if (i < lines.length && lines[i].startsWith('extra ')) extra = b64(lines[i++].slice(6), 'extra');
  if (i >= lines.length || !lines[i].startsWith('index ')) throw bad('an index line must follow');
  const idx = lines[i].slice(6);
  if (!/^(0|[1-9][0-9]{0,18})$/.test(idx) || BigInt(idx) > MAX_INDEX) throw bad('index must be a decimal without leading zeros');
  const proof = lines.slice(i + 1).map((l) => {
    const h = b64(l, 'proof hash');
    if (h.length !== 32) throw new ReceiptError('malformed', `a proof hash must be 32 bytes, got ${h.length}`);
    return h;
  });
  if (proof.length > 63) throw new ReceiptError('malformed', 'more than 63 proof hashes');
  return { extra, index: BigInt(idx), proof, checkpoint };
}

function text(obj, name) {
  const v = obj[name];
  if (typeof v !== 'string') throw new ReceiptError('malformed', `${name} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function integer(obj, name, min) {
  const v = obj[name];
  if (!Number.isSafeInteger(v) || v < min) throw new ReceiptError('malformed', `${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Verifies a receipt offline with the log's verifier key (GET /v1/log/key) and returns what it proves:
 * { origin, leafIndex, treeSize, rootHash, entry }. Checks, in order: the entry's envelope hashes to its chain_hash;
 * the proof's leaf data (extra), where it carries one, is that envelope (without it, the envelope is the leaf) and
 * its index is leaf_index; the checkpoint's origin is `origin`
 * (default: the receipt's, which must be `<key name>/<tenant>`); the checkpoint carries a valid signature by `key`; the
 * inclusion proof leads to the signed root and tree_size is its size. With `decision` (GET /v1/decisions/{id}), its
 * content must hash (RFC 8785, SHA-256) to its content_hash, which must be the entry's, and its ids, chain, sequence,
 * hashes and time must be the entry's. Throws ReceiptError (`check` names the failed check); a malformed key throws
 * VerificationError.
 */
export function verifyReceipt(receipt, key, { origin = null, decision = null } = {}) {
  const logKey = key instanceof NoteVerifier ? key : NoteVerifier.parse(String(key).trim());
  let r = receipt;
  if (typeof r === 'string' || r instanceof Uint8Array) {
    try {
      r = JSON.parse(typeof r === 'string' ? r : Buffer.from(r).toString('utf8'));
    } catch (e) {
      throw new ReceiptError('malformed', `the receipt is not JSON: ${e.message}`);
    }
  }
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new ReceiptError('malformed', 'a receipt is a JSON object');
  if (r.format !== FORMAT) throw new ReceiptError('malformed', `format is ${JSON.stringify(r.format)}, expected "${FORMAT}"`);
  const e = r.entry;
  if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new ReceiptError('malformed', 'entry must be an object');
  if (e.v !== 1) throw new ReceiptError('malformed', `entry.v must be 1 (hashing version), got ${JSON.stringify(e.v)}`);
  const entry = {};
  for (const n of ['chain_id', 'type', 'id', 'decision_id', 'recorded_at', 'content_hash', 'previous_hash', 'chain_hash']) entry[n] = text(e, n);
  entry.sequence = integer(e, 'sequence', 1);
  const receiptOrigin = text(r, 'origin');
  const leafIndex = integer(r, 'leaf_index', 0);
  const treeSize = integer(r, 'tree_size', 0);
  const tlogProof = text(r, 'tlog_proof');

  let env;
  try {
    env = entryEnvelope(entry);
  } catch (x) {
    throw new ReceiptError('malformed', `the entry cannot be canonicalised: ${x.message}`);
  }
  const computed = sha256hex(env);
  if (computed !== entry.chain_hash) {
    throw new ReceiptError('chain-hash', `the entry's envelope hashes to ${computed}, not to its chain_hash ${entry.chain_hash}`
      + ' (an entry field was changed)');
  }
  const p = parseProof(tlogProof);
  // the leaf is the entry's canonical envelope: a proof may carry it (extra) or leave it to the fields
  const leaf = p.extra === null ? env : Buffer.from(p.extra);
  if (p.extra !== null && Buffer.compare(Buffer.from(p.extra), env) !== 0) {
    throw new ReceiptError('leaf-data', "the proof's leaf data is not this entry's canonical envelope"
      + ' (the proof is for another entry, or the entry was changed)');
  }
  if (BigInt(leafIndex) !== p.index) throw new ReceiptError('leaf-data', `leaf_index ${leafIndex} differs from the proof's index ${p.index}`);
  let expected = origin;
  if (expected === null || expected === undefined) {
    const prefix = `${logKey.name}/`;
    if (!receiptOrigin.startsWith(prefix) || receiptOrigin.length === prefix.length) {
      throw new ReceiptError('origin', `the receipt's origin "${receiptOrigin}" is not a log of key "${logKey.name}" (expected "${prefix}<tenant>")`);
    }
    expected = receiptOrigin;
  }
  let note;
  let cp;
  try {
    note = parseNote(p.checkpoint);
    cp = parseCheckpoint(note.text);
  } catch (x) {
    throw new ReceiptError('malformed', `the proof's checkpoint is malformed: ${x.message}`);
  }
  if (cp.origin !== expected) throw new ReceiptError('origin', `the checkpoint's origin is "${cp.origin}", expected "${expected}"`);
  if (receiptOrigin !== cp.origin) {
    throw new ReceiptError('origin', `the receipt says origin "${receiptOrigin}" but its checkpoint is of "${cp.origin}"`);
  }
  try {
    verifyNote(note, [logKey]);
  } catch (x) {
    if (!(x instanceof VerificationError)) throw x;
    const kid = `${logKey.name}+${logKey.keyId.toString(16).padStart(8, '0')}`;
    const why = x.reason === 'UNKNOWN_KEY' ? `the checkpoint carries no signature by key ${kid}`
      : x.reason === 'BAD_SIGNATURE' ? `the checkpoint's signature by key ${kid} is invalid` : x.message;
    throw new ReceiptError('signature', why);
  }
  try {
    verifyInclusion(p.index, cp.size, leafHash(leaf), p.proof, cp.rootHash);
  } catch (x) {
    if (!(x instanceof VerificationError)) throw x;
    throw new ReceiptError('inclusion', `the inclusion proof of leaf ${p.index} does not lead to the root of the signed`
      + ` checkpoint (size ${cp.size}): ${x.message}`);
  }
  if (BigInt(treeSize) !== cp.size) throw new ReceiptError('inclusion', `tree_size ${treeSize} differs from the signed checkpoint's size ${cp.size}`);
  if (decision !== null && decision !== undefined) checkDecision(decision, entry);
  return { origin: cp.origin, leafIndex, treeSize, rootHash: cp.rootHash, entry };
}

function checkDecision(decision, entry) {
  const fail = (m) => new ReceiptError('decision', m);
  if (decision === null || typeof decision !== 'object' || Array.isArray(decision)) throw fail('the decision is not a JSON object');
  const content = {};
  for (const m of DECISION_CONTENT) content[m] = decision[m] === undefined ? null : decision[m];
  let computed;
  try {
    computed = sha256hex(Buffer.from(canonicalJson(content), 'utf8'));
  } catch (x) {
    throw fail(`the decision's content cannot be canonicalised (RFC 8785): ${x.message}`);
  }
  if (computed !== decision.content_hash) {
    throw fail(`the decision's content hashes to ${computed}, not to its content_hash ${decision.content_hash} (its content was changed)`);
  }
  if (computed !== entry.content_hash) {
    throw fail(`the decision's content hash ${computed} is not the receipt entry's ${entry.content_hash} (the receipt is for other content)`);
  }
  const id = decision.decision_id;
  if (entry.type !== 'decision' || entry.id !== id || entry.decision_id !== id) {
    throw fail(`the receipt's entry is ${entry.type} ${entry.id} of decision ${entry.decision_id}, not decision ${id}`);
  }
  for (const [member, value] of [['chain_id', entry.chain_id], ['previous_hash', entry.previous_hash],
    ['chain_hash', entry.chain_hash], ['created_at', entry.recorded_at]]) {
    const got = decision[member];
    if (got !== undefined && got !== null && got !== value) throw fail(`the decision's ${member} ${got} is not the entry's ${value}`);
  }
  const seq = decision.sequence;
  if (seq !== undefined && seq !== null && seq !== entry.sequence) throw fail(`the decision's sequence ${seq} is not the entry's ${entry.sequence}`);
}
