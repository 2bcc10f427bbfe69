// src/verify.js against the Java module's fixture files (verify/src/test/resources/vectors): the same known answers,
// tamper fixtures and notes, so the three implementations agree. No server needed.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  NoteVerifier,
  VerificationError,
  consistencyProofLength,
  emptyRoot,
  formatCheckpoint,
  inclusionProofLength,
  leafHash,
  nodeHash,
  openCheckpoint,
  parseNote,
  verifyConsistency,
  verifyCosignature,
  verifyInclusion,
  verifyNote,
} from '../src/index.js';

const VECTORS = new URL('../../../verify/src/test/resources/vectors/', import.meta.url);
const load = (rel) => JSON.parse(readFileSync(new URL(rel, VECTORS), 'utf8'));
const files = (dir) => readdirSync(new URL(`${dir}/`, VECTORS)).filter((f) => f.endsWith('.json')).sort();
const hx = (s) => new Uint8Array(Buffer.from(s, 'hex'));
const hxs = (l) => (l ?? []).map(hx);
const toHex = (b) => Buffer.from(b).toString('hex');
const flip = (h, bit) => {
  const c = Uint8Array.from(h);
  c[bit >> 3] ^= 0x80 >> (bit & 7);
  return c;
};
const fails = (fn, reason, msg) => assert.throws(fn, (e) => e instanceof VerificationError && (!reason || e.reason === reason), msg);

/** MTH, PATH and SUBPROOF straight from RFC 9162 2.1. */
const split = (n) => 2 ** Math.floor(Math.log2(n - 1));
const mth = (l) => (l.length === 0 ? emptyRoot() : l.length === 1 ? l[0] : nodeHash(mth(l.slice(0, split(l.length))), mth(l.slice(split(l.length)))));
const path = (m, l) => {
  if (l.length === 1) return [];
  const k = split(l.length);
  return m < k ? [...path(m, l.slice(0, k)), mth(l.slice(k))] : [...path(m - k, l.slice(k)), mth(l.slice(0, k))];
};
const subproof = (m, l, b) => {
  if (m === l.length) return b ? [] : [mth(l)];
  const k = split(l.length);
  return m <= k ? [...subproof(m, l.slice(0, k), b), mth(l.slice(k))] : [...subproof(m - k, l.slice(k), false), mth(l.slice(0, k))];
};

describe('merkle vectors', () => {
  it('hashing known answers', () => {
    for (const v of load('merkle/hashing.json').vectors) {
      const got = { empty: () => emptyRoot(), leaf: () => leafHash(hx(v.data)), node: () => nodeHash(hx(v.left), hx(v.right)) }[v.kind]();
      assert.equal(toHex(got), v.hash, v.recompute);
    }
  });

  it('reference tree roots', () => {
    const tree = load('merkle/reference-tree.json');
    const leaves = tree.leaves.map((l) => leafHash(hx(l)));
    tree.roots.forEach((root, n) => assert.equal(toHex(mth(leaves.slice(0, n))), root, `size ${n}`));
  });

  it('inclusion vectors verify exactly when valid', () => {
    const { vectors } = load('merkle/inclusion.json');
    assert.ok(vectors.length > 90);
    for (const v of vectors) {
      const run = () => verifyInclusion(BigInt(v.leafIndex), BigInt(v.treeSize), hx(v.leafHash), hxs(v.proof), hx(v.root));
      if (v.valid) run();
      else fails(run, null, v.name);
    }
  });

  it('consistency vectors verify exactly when valid', () => {
    const { vectors } = load('merkle/consistency.json');
    assert.ok(vectors.length > 90);
    for (const v of vectors) {
      const run = () => verifyConsistency(BigInt(v.size1), BigInt(v.size2), hxs(v.proof), hx(v.root1), hx(v.root2));
      if (v.valid) run();
      else fails(run, v.upstreamValid ? 'BAD_HASH_LENGTH' : null, v.name);
    }
  });

  it('every tamper fixture fails for its reason', () => {
    const names = files('merkle-tamper');
    assert.ok(names.length > 20);
    for (const f of names) {
      const v = load(`merkle-tamper/${f}`);
      const run = v.type.includes('inclusion')
        ? () => verifyInclusion(v.leafIndex, v.treeSize, hx(v.leafHash), hxs(v.proof), hx(v.root))
        : () => verifyConsistency(v.size1, v.size2, hxs(v.proof), hx(v.root1), hx(v.root2));
      if (v.type.startsWith('ok-')) run();
      else fails(run, v.expect, f);
    }
  });
});

describe('merkle properties', () => {
  it('random trees up to 200 leaves: proofs verify, lengths are exact, single-bit changes fail', () => {
    const leaves = Array.from({ length: 200 }, () => leafHash(randomBytes(1 + Math.floor(Math.random() * 40))));
    const bit = () => Math.floor(Math.random() * 256);
    for (const size of [1, 2, 3, 7, 8, 9, 63, 64, 65, 127, 128, 129, 200, 1 + Math.floor(Math.random() * 200)]) {
      const tree = leaves.slice(0, size);
      const root = mth(tree);
      for (const index of new Set([0, size - 1, Math.floor(Math.random() * size)])) {
        const proof = path(index, tree);
        assert.equal(inclusionProofLength(index, size), proof.length);
        verifyInclusion(index, size, tree[index], proof, root);
        proof.forEach((h, e) => fails(() => verifyInclusion(index, size, tree[index], proof.map((p, j) => (j === e ? flip(p, bit()) : p)), root)));
        fails(() => verifyInclusion(index, size, tree[index], proof, flip(root, bit())));
        fails(() => verifyInclusion(index, size, flip(tree[index], bit()), proof, root));
        for (let b = 0; b < 12; b++) fails(() => verifyInclusion(index ^ (1 << b), size, tree[index], proof, root));
        if (index > 0) {
          const c = subproof(index, tree, true);
          assert.equal(consistencyProofLength(index, size), c.length);
          const root1 = mth(tree.slice(0, index));
          verifyConsistency(index, size, c, root1, root);
          c.forEach((h, e) => fails(() => verifyConsistency(index, size, c.map((p, j) => (j === e ? flip(p, bit()) : p)), root1, root)));
          fails(() => verifyConsistency(index, size, c, flip(root1, bit()), root));
        }
      }
    }
  });
});

describe('notes, checkpoints, cosignatures', () => {
  it('RFC 8032 Ed25519 vectors verify through node:crypto, flipped bits do not', () => {
    for (const v of load('ed25519/rfc8032.json').vectors) {
      const key = new NoteVerifier('rfc8032', 0x01, hx(v.publicKey));
      assert.ok(key.verify(hx(v.message), hx(v.signature)), v.name);
      for (const b of [0, 255, 256, 511]) assert.ok(!key.verify(hx(v.message), flip(hx(v.signature), b)), `${v.name} bit ${b}`);
    }
  });

  for (const f of files('notes')) {
    it(f, () => {
      const fx = load(`notes/${f}`);
      const outcome = (fn) => (fx.expect === 'ok' ? fn() : fails(fn, fx.expect));
      if (fx.kind === 'vkey') {
        outcome(() => assert.equal(NoteVerifier.parse(fx.vkeys[0]).vkey(), fx.vkeys[0]));
        return;
      }
      const known = fx.vkeys.map((k) => NoteVerifier.parse(k));
      const note = fx.noteBase64 !== undefined ? new Uint8Array(Buffer.from(fx.noteBase64, 'base64')) : fx.note;
      if (fx.kind === 'note') {
        outcome(() => {
          const v = verifyNote(parseNote(note), known);
          assert.equal(v.text, fx.text);
          assert.deepEqual(v.verified.map((s) => s.name), fx.verified);
          assert.equal(v.unknown.length, fx.unknown ?? 0);
        });
      } else if (fx.kind === 'checkpoint') {
        outcome(() => {
          const c = openCheckpoint(note, fx.origin, known[0]);
          assert.deepEqual([c.origin, c.size, toHex(c.rootHash), c.extensions],
            [fx.checkpoint.origin, BigInt(fx.checkpoint.size), fx.checkpoint.root, fx.checkpoint.extensions]);
          assert.equal(formatCheckpoint(c), parseNote(note).text);
        });
      } else if (fx.kind === 'cosignature') {
        outcome(() => {
          const timestamp = verifyCosignature(parseNote(note), known[0]);
          assert.equal(timestamp, BigInt(fx.timestamp));
        });
      } else {
        assert.fail(`unknown kind ${fx.kind}`);
      }
    });
  }
});
