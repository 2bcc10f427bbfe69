// Offline verification of the LoopGrid log: RFC 9162 Merkle proofs, C2SP signed notes, checkpoints and
// cosignatures, Ed25519 through node:crypto. The same rules and fixtures as the Java module loopgrid-verify
// (docs/verification.md). Every failure throws a VerificationError whose `reason` names it.
//
//   import { openCheckpoint, NoteVerifier, verifyInclusion } from 'loopgrid';
//   const checkpoint = openCheckpoint(signedCheckpoint, origin, NoteVerifier.parse(logVkey));
//   verifyInclusion(index, checkpoint.size, leafHash, proof, checkpoint.rootHash);

import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';

export const HASH_SIZE = 32;
const MAX_SIGNATURES = 100;
const MAX_TREE_SIZE = (1n << 63n) - 1n;
const TYPE_ED25519 = 0x01;
const TYPE_COSIGNATURE = 0x04;
const DASH = '\u2014 ';

/** A proof, note, key or checkpoint that does not verify; `reason` names why (as in the Java module). */
export class VerificationError extends Error {
  constructor(reason, detail) {
    super(`${reason}: ${detail}`);
    this.name = 'VerificationError';
    this.reason = reason;
  }
}

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const hex = (b) => Buffer.from(b).toString('hex');
const equal = (a, b) => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
const big = (n) => (typeof n === 'bigint' ? n : BigInt(n));
const bitLength = (n) => (n === 0n ? 0 : n.toString(2).length);
const popcount = (n) => [...n.toString(2)].filter((c) => c === '1').length;

// ---- RFC 9162 Merkle trees ----

/** SHA-256(0x00 || data). */
export function leafHash(data) {
  return sha256(Uint8Array.of(0x00), data);
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left, right) {
  return sha256(Uint8Array.of(0x01), left, right);
}

/** SHA-256 of nothing: the root of the empty tree. */
export function emptyRoot() {
  return sha256();
}

/** bitlen(index ^ (size - 1)) + popcount(index >> that). */
export function inclusionProofLength(index, size) {
  const i = big(index);
  const n = big(size);
  if (i < 0n || i >= n) throw new RangeError(`index ${i} not in [0, ${n})`);
  const inner = bitLength(i ^ (n - 1n));
  return inner + popcount(i >> BigInt(inner));
}

/** The number of hashes in a consistency proof from size1 to size2 (0 < size1 <= size2). */
export function consistencyProofLength(size1, size2) {
  const m = big(size1);
  const n = big(size2);
  if (m <= 0n || m > n) throw new RangeError(`need 0 < size1 <= size2, got ${m}, ${n}`);
  if (m === n) return 0;
  const inner = bitLength((m - 1n) ^ (n - 1n));
  const border = popcount((m - 1n) >> BigInt(inner));
  const shift = bitLength(m & -m) - 1;
  const perfect = m === 1n << BigInt(shift);
  return (perfect ? 0 : 1) + (inner - shift) + border;
}

function checkHash(h, what) {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new VerificationError('BAD_HASH_LENGTH', `${what} has ${h?.length ?? 'no'} bytes, needs 32`);
  }
}

function checkProof(proof) {
  const p = proof ?? [];
  p.forEach((h, i) => checkHash(h, `proof[${i}]`));
  return p;
}

/** The root the inclusion proof gives for `leaf` at `index` (RFC 9162 2.1.3.2), after the length checks. */
export function rootFromInclusionProof(index, size, leaf, proof) {
  const i = big(index);
  const n = big(size);
  if (!(n > 0n && i >= 0n && i < n)) throw new VerificationError('INDEX_OUT_OF_RANGE', `leaf index ${i} is not below tree size ${n}`);
  checkHash(leaf, 'leaf hash');
  const p = checkProof(proof);
  const want = inclusionProofLength(i, n);
  if (p.length !== want) throw new VerificationError('WRONG_PROOF_LENGTH', `inclusion proof has ${p.length} hashes, needs ${want}`);
  let fn = i;
  let sn = n - 1n;
  let r = leaf;
  for (const h of p) {
    if (sn === 0n) throw new VerificationError('WRONG_PROOF_LENGTH', 'inclusion proof too long');
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(h, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, h);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new VerificationError('WRONG_PROOF_LENGTH', 'inclusion proof too short');
  return r;
}

/** Throws unless `leaf` (a leaf hash) is leaf `index` of the tree of `size` leaves with `root`. */
export function verifyInclusion(index, size, leaf, proof, root) {
  checkHash(root, 'root');
  const got = rootFromInclusionProof(index, size, leaf, proof);
  if (!equal(got, root)) throw new VerificationError('ROOT_MISMATCH', `proof gives root ${hex(got)}, expected ${hex(root)}`);
}

/** Throws unless the tree (size1, root1) is a prefix of the tree (size2, root2). */
export function verifyConsistency(size1, size2, proof, root1, root2) {
  checkHash(root1, 'root1');
  checkHash(root2, 'root2');
  const p = checkProof(proof);
  const m = big(size1);
  const n = big(size2);
  if (m < 0n || m > n) throw new VerificationError('BAD_TREE_SIZES', `size1 ${m} is not in [0, size2 ${n}]`);
  if (m === 0n) throw new VerificationError('BAD_TREE_SIZES', 'a consistency proof from the empty tree proves nothing');
  if (m === n) {
    if (p.length) throw new VerificationError('WRONG_PROOF_LENGTH', 'equal sizes need an empty proof');
    if (!equal(root1, root2)) throw new VerificationError('ROOT_MISMATCH', 'equal sizes but different roots');
    return;
  }
  const want = consistencyProofLength(m, n);
  if (p.length !== want) throw new VerificationError('WRONG_PROOF_LENGTH', `consistency proof has ${p.length} hashes, needs ${want}`);
  const path = (m & (m - 1n)) === 0n ? [root1, ...p] : p;
  let fn = m - 1n;
  let sn = n - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new VerificationError('WRONG_PROOF_LENGTH', 'consistency proof too long');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new VerificationError('WRONG_PROOF_LENGTH', 'consistency proof too short');
  if (!equal(fr, root1)) throw new VerificationError('ROOT_MISMATCH', `proof gives first root ${hex(fr)}`);
  if (!equal(sr, root2)) throw new VerificationError('ROOT_MISMATCH', `proof gives second root ${hex(sr)}`);
}

// ---- C2SP signed notes ----

function b64decode(s, reason) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new VerificationError(reason, `bad base64 ${JSON.stringify(s)}`);
  const out = Buffer.from(s, 'base64');
  if (out.toString('base64') !== s) throw new VerificationError(reason, `non-canonical base64 ${JSON.stringify(s)}`);
  return new Uint8Array(out);
}

function checkName(name, reason) {
  if (!name) throw new VerificationError(reason, 'empty key name');
  // eslint-disable-next-line no-control-regex
  if (/[+\s\u0000-\u001f\u007f]/u.test(name)) {
    throw new VerificationError(reason, `key name ${JSON.stringify(name)} contains a space, + or control character`);
  }
}

function keyId(name, type, key) {
  return Buffer.from(sha256(Buffer.from(name, 'utf8'), Uint8Array.of(0x0a, type), key)).readUInt32BE(0);
}

// RFC 8032 5.1.3 point decoding, only to refuse a key that is no curve point when it is configured (node:crypto
// would accept it and fail every verification later).
const P = (1n << 255n) - 19n;
const D = (-121665n * modPow(121666n, P - 2n)) % P;
function modPow(b, e) {
  let r = 1n;
  let x = ((b % P) + P) % P;
  for (let k = e; k > 0n; k >>= 1n) {
    if (k & 1n) r = (r * x) % P;
    x = (x * x) % P;
  }
  return r;
}
function isCurvePoint(key) {
  let y = BigInt(`0x${Buffer.from(key).reverse().toString('hex')}`);
  const sign = y >> 255n;
  y &= (1n << 255n) - 1n;
  if (y >= P) return false;
  const x2 = (((y * y - 1n) % P + P) % P) * modPow(D * y * y + 1n, P - 2n) % P;
  if (x2 === 0n) return sign === 0n;
  let x = modPow(x2, (P + 3n) / 8n);
  if ((x * x - x2) % P !== 0n) x = (x * modPow(2n, (P - 1n) / 4n)) % P;
  return (x * x - x2) % P === 0n;
}

function ed25519Verify(publicKey, message, signature) {
  if (signature.length !== 64) return false;
  try {
    return cryptoVerify(null, message, publicKey, signature);
  } catch {
    return false;
  }
}

/** A C2SP verifier key `<name>+<hex key ID>+<base64(type || key)>`: Ed25519 (0x01) or cosignature (0x04). */
export class NoteVerifier {
  constructor(name, type, publicKey) {
    checkName(name, 'MALFORMED_KEY');
    if (type !== TYPE_ED25519 && type !== TYPE_COSIGNATURE) {
      throw new VerificationError('MALFORMED_KEY', `unsupported signature type 0x${type.toString(16).padStart(2, '0')}`);
    }
    if (publicKey.length !== 32) throw new VerificationError('MALFORMED_KEY', `Ed25519 key must be 32 bytes, got ${publicKey.length}`);
    if (!isCurvePoint(publicKey)) throw new VerificationError('MALFORMED_KEY', 'not an Ed25519 public key: no such curve point');
    try {
      this.key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
    } catch (e) {
      throw new VerificationError('MALFORMED_KEY', `not an Ed25519 public key: ${e.message}`);
    }
    this.name = name;
    this.type = type;
    this.publicKey = Uint8Array.from(publicKey);
    this.keyId = keyId(name, type, this.publicKey);
  }

  /** Parses a vkey strictly (three parts, lower-case 8-digit hex, canonical base64, matching key ID). */
  static parse(vkey) {
    const a = vkey.indexOf('+');
    const b = a < 0 ? -1 : vkey.indexOf('+', a + 1); // base64 may contain +, names may not
    if (a < 0 || b < 0) throw new VerificationError('MALFORMED_KEY', 'a vkey has three +-separated parts');
    const [name, hexId, b64] = [vkey.slice(0, a), vkey.slice(a + 1, b), vkey.slice(b + 1)];
    checkName(name, 'MALFORMED_KEY');
    if (!/^[0-9a-f]{8}$/.test(hexId)) throw new VerificationError('MALFORMED_KEY', 'key ID is not 8 lower-case hex digits');
    const typed = b64decode(b64, 'MALFORMED_KEY');
    if (!typed.length) throw new VerificationError('MALFORMED_KEY', 'empty key');
    const v = new NoteVerifier(name, typed[0], typed.subarray(1));
    if (v.keyId !== parseInt(hexId, 16)) throw new VerificationError('MALFORMED_KEY', `key ID ${hexId} does not match the key`);
    return v;
  }

  /** The vkey string. */
  vkey() {
    const typed = Buffer.concat([Uint8Array.of(this.type), this.publicKey]);
    return `${this.name}+${this.keyId.toString(16).padStart(8, '0')}+${typed.toString('base64')}`;
  }

  /** Whether `signature` (after the key ID) is valid over the note text (UTF-8 bytes). */
  verify(text, signature) {
    if (this.type === TYPE_ED25519) return ed25519Verify(this.key, text, signature);
    if (signature.length !== 72) return false;
    const timestamp = Buffer.from(signature).readBigUInt64BE(0);
    if (timestamp > MAX_TREE_SIZE) return false;
    return ed25519Verify(this.key, cosignatureMessage(text, timestamp), signature.subarray(8));
  }
}

/** `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint text (c2sp.org/tlog-cosignature). */
export function cosignatureMessage(checkpointText, timestamp) {
  return Buffer.concat([Buffer.from(`cosignature/v1\ntime ${timestamp}\n`, 'ascii'), checkpointText]);
}

/**
 * Parses a signed note strictly: valid UTF-8, no control characters but newline, text ending in a newline, a
 * blank line, one to 100 signature lines `— <name> <base64(key ID || signature)>`. Returns { text, signatures }.
 */
export function parseNote(message) {
  let s = message;
  if (typeof s !== 'string') {
    try {
      s = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(message);
    } catch {
      throw new VerificationError('MALFORMED_NOTE', 'not valid UTF-8');
    }
  }
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw new VerificationError('MALFORMED_NOTE', `control character 0x${c.toString(16)} at ${i}`);
  }
  const wellFormed = s.isWellFormed ? s.isWellFormed() : !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
  if (!wellFormed) {
    throw new VerificationError('MALFORMED_NOTE', 'lone surrogate');
  }
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw new VerificationError('MALFORMED_NOTE', 'no blank line before the signatures');
  const text = s.slice(0, split + 1);
  const sigs = s.slice(split + 2);
  if (!sigs) throw new VerificationError('MALFORMED_NOTE', 'no signature lines');
  if (!sigs.endsWith('\n')) throw new VerificationError('MALFORMED_NOTE', 'missing final newline');
  const lines = sigs.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new VerificationError('MALFORMED_NOTE', `${lines.length} signatures, at most ${MAX_SIGNATURES}`);
  const signatures = lines.map((line) => {
    if (!line.startsWith(DASH)) throw new VerificationError('MALFORMED_NOTE', 'signature line does not start with an em dash and a space');
    const rest = line.slice(DASH.length);
    const sp = rest.indexOf(' ');
    if (sp < 0) throw new VerificationError('MALFORMED_NOTE', 'signature line without a signature');
    const name = rest.slice(0, sp);
    checkName(name, 'MALFORMED_NOTE');
    const b = b64decode(rest.slice(sp + 1), 'MALFORMED_NOTE');
    if (b.length < 5) throw new VerificationError('MALFORMED_NOTE', `signature of ${b.length} bytes is too short`);
    return { name, keyId: Buffer.from(b).readUInt32BE(0), signature: b.subarray(4) };
  });
  return { text, signatures };
}

/**
 * Verifies a parsed note with the known keys: unknown keys are ignored, a failing signature by a known key throws
 * BAD_SIGNATURE, no verified signature throws UNKNOWN_KEY. Returns { text, verified, unknown }.
 */
export function verifyNote(note, known) {
  const msg = Buffer.from(note.text, 'utf8');
  const verified = [];
  const unknown = [];
  for (const s of note.signatures) {
    const matches = new Map();
    for (const v of known) if (v.name === s.name && v.keyId === s.keyId) matches.set(v.vkey(), v);
    if (matches.size > 1) throw new VerificationError('AMBIGUOUS_KEY', `two keys named ${s.name} with the same ID`);
    if (!matches.size) unknown.push(s);
    else if ([...matches.values()][0].verify(msg, s.signature)) verified.push(s);
    else throw new VerificationError('BAD_SIGNATURE', `invalid signature by ${s.name}+${s.keyId.toString(16).padStart(8, '0')}`);
  }
  if (!verified.length) throw new VerificationError('UNKNOWN_KEY', `no signature by a known key (${note.signatures.length} signatures)`);
  return { text: note.text, verified, unknown };
}

// ---- C2SP checkpoints and cosignatures ----

/** Parses checkpoint note text strictly: { origin, size (bigint), rootHash, extensions }. */
export function parseCheckpoint(text) {
  // eslint-disable-next-line no-control-regex
  if (!text.endsWith('\n') || /[\u0000-\u0009\u000b-\u001f]/.test(text)) {
    throw new VerificationError('MALFORMED_CHECKPOINT', 'text must end in a newline, without control characters');
  }
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new VerificationError('MALFORMED_CHECKPOINT', 'fewer than three lines');
  if (lines.some((l) => !l)) throw new VerificationError('MALFORMED_CHECKPOINT', 'empty line');
  if (!/^(0|[1-9][0-9]*)$/.test(lines[1])) {
    throw new VerificationError('MALFORMED_CHECKPOINT', `tree size ${JSON.stringify(lines[1])} is not a decimal without leading zeros`);
  }
  const size = BigInt(lines[1]);
  if (size > MAX_TREE_SIZE) throw new VerificationError('MALFORMED_CHECKPOINT', 'tree size too large');
  const rootHash = b64decode(lines[2], 'MALFORMED_CHECKPOINT');
  if (rootHash.length !== HASH_SIZE) throw new VerificationError('MALFORMED_CHECKPOINT', `root hash has ${rootHash.length} bytes`);
  return { origin: lines[0], size, rootHash, extensions: lines.slice(3) };
}

/** Formats checkpoint note text. */
export function formatCheckpoint({ origin, size, rootHash, extensions = [] }) {
  return `${origin}\n${size}\n${Buffer.from(rootHash).toString('base64')}\n${extensions.map((e) => `${e}\n`).join('')}`;
}

/** Parses a signed checkpoint, requires a valid signature by `logKey` and the expected `origin`. */
export function openCheckpoint(signedNote, origin, logKey) {
  const note = parseNote(signedNote);
  verifyNote(note, [logKey]);
  const c = parseCheckpoint(note.text);
  if (c.origin !== origin) throw new VerificationError('ORIGIN_MISMATCH', `origin ${JSON.stringify(c.origin)}, expected ${JSON.stringify(origin)}`);
  return c;
}

/** Verifies that `note` carries a valid cosignature/v1 by `cosigner` (a 0x04 key); returns its timestamp (bigint). */
export function verifyCosignature(note, cosigner) {
  if (cosigner.type !== TYPE_COSIGNATURE) throw new VerificationError('MALFORMED_KEY', `${cosigner.name} is not a cosignature (0x04) key`);
  const v = verifyNote(note, [cosigner]);
  return Buffer.from(v.verified[0].signature).readBigUInt64BE(0);
}
