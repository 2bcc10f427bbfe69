"""Offline verification of the LoopGrid log, standard library only.

The same rules and fixtures as the Java module ``loopgrid-verify`` (see docs/verification.md):

* RFC 9162 Merkle trees: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right); inclusion and
  consistency proofs verified per RFC 9162 sections 2.1.3.2 and 2.1.4.2, after checking that every hash is 32 bytes,
  0 <= index < size, 0 < size1 <= size2 and that the proof has exactly the length the tree shape requires.
* C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 (type 0x01) and tlog-cosignature (type 0x04)
  signatures, verifier keys ("vkeys"), and C2SP checkpoints (https://c2sp.org/tlog-checkpoint).
* Ed25519 verification is pure Python (RFC 8032 section 5.1.7, after the RFC's reference code): a few
  milliseconds per signature, which is fine for offline checks.

Every failure raises :class:`VerificationError` whose ``reason`` names it (the same names as the Java module's
``VerificationException.Reason``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from typing import Iterable, List, NamedTuple, Optional, Sequence, Union

__all__ = [
    "HASH_SIZE",
    "VerificationError",
    "leaf_hash",
    "node_hash",
    "empty_root",
    "inclusion_proof_length",
    "consistency_proof_length",
    "root_from_inclusion_proof",
    "verify_inclusion",
    "verify_consistency",
    "ed25519_verify",
    "NoteVerifier",
    "Signature",
    "Note",
    "VerifiedNote",
    "Checkpoint",
    "verify_cosignature",
]

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
MAX_SIGNATURES = 100
MAX_TREE_SIZE = 2**63 - 1
TYPE_ED25519 = 0x01
TYPE_COSIGNATURE = 0x04
_DASH = "\u2014 "


class VerificationError(Exception):
    """A proof, note, key or checkpoint that does not verify; ``reason`` is one of BAD_HASH_LENGTH,
    INDEX_OUT_OF_RANGE, BAD_TREE_SIZES, WRONG_PROOF_LENGTH, ROOT_MISMATCH, MALFORMED_NOTE, MALFORMED_KEY,
    UNKNOWN_KEY, AMBIGUOUS_KEY, BAD_SIGNATURE, MALFORMED_CHECKPOINT, ORIGIN_MISMATCH."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


# ---- RFC 9162 Merkle trees ----


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data)."""
    return hashlib.sha256(LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + bytes(left) + bytes(right)).digest()


def empty_root() -> bytes:
    """SHA-256 of nothing: the root of the empty tree."""
    return hashlib.sha256(b"").digest()


def inclusion_proof_length(index: int, size: int) -> int:
    """bitlen(index ^ (size - 1)) + popcount(index >> that)."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} not in [0, {size})")
    inner = (index ^ (size - 1)).bit_length()
    return inner + bin(index >> inner).count("1")


def consistency_proof_length(size1: int, size2: int) -> int:
    """The number of hashes in a consistency proof from size1 to size2 (0 < size1 <= size2)."""
    if not 0 < size1 <= size2:
        raise ValueError(f"need 0 < size1 <= size2, got {size1}, {size2}")
    if size1 == size2:
        return 0
    inner = ((size1 - 1) ^ (size2 - 1)).bit_length()
    border = bin((size1 - 1) >> inner).count("1")
    shift = (size1 & -size1).bit_length() - 1
    perfect = size1 == 1 << shift
    return (0 if perfect else 1) + (inner - shift) + border


def _check_hash(h: bytes, what: str) -> None:
    if not isinstance(h, (bytes, bytearray)) or len(h) != HASH_SIZE:
        raise VerificationError("BAD_HASH_LENGTH", f"{what} has {len(h) if h is not None else 'no'} bytes, needs 32")


def _check_proof(proof: Optional[Sequence[bytes]]) -> List[bytes]:
    proof = list(proof or [])
    for i, h in enumerate(proof):
        _check_hash(h, f"proof[{i}]")
    return proof


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root the inclusion proof gives for ``leaf`` at ``index`` (RFC 9162 2.1.3.2), after the length checks."""
    if not (size > 0 and 0 <= index < size):
        raise VerificationError("INDEX_OUT_OF_RANGE", f"leaf index {index} is not below tree size {size}")
    _check_hash(leaf, "leaf hash")
    proof = _check_proof(proof)
    want = inclusion_proof_length(index, size)
    if len(proof) != want:
        raise VerificationError("WRONG_PROOF_LENGTH", f"inclusion proof has {len(proof)} hashes, needs {want}")
    fn, sn, r = index, size - 1, bytes(leaf)
    for p in proof:
        if sn == 0:
            raise VerificationError("WRONG_PROOF_LENGTH", "inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("WRONG_PROOF_LENGTH", "inclusion proof too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raises VerificationError unless ``leaf`` (a leaf hash) is leaf ``index`` of the tree of ``size`` with ``root``."""
    _check_hash(root, "root")
    got = root_from_inclusion_proof(index, size, leaf, proof)
    if got != bytes(root):
        raise VerificationError("ROOT_MISMATCH", f"proof gives root {got.hex()}, expected {bytes(root).hex()}")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Raises VerificationError unless the tree (size1, root1) is a prefix of the tree (size2, root2)."""
    _check_hash(root1, "root1")
    _check_hash(root2, "root2")
    proof = _check_proof(proof)
    if size1 < 0 or size1 > size2:
        raise VerificationError("BAD_TREE_SIZES", f"size1 {size1} is not in [0, size2 {size2}]")
    if size1 == 0:
        raise VerificationError("BAD_TREE_SIZES", "a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise VerificationError("WRONG_PROOF_LENGTH", "equal sizes need an empty proof")
        if bytes(root1) != bytes(root2):
            raise VerificationError("ROOT_MISMATCH", "equal sizes but different roots")
        return
    want = consistency_proof_length(size1, size2)
    if len(proof) != want:
        raise VerificationError("WRONG_PROOF_LENGTH", f"consistency proof has {len(proof)} hashes, needs {want}")
    path = [bytes(root1)] + proof if size1 & (size1 - 1) == 0 else proof
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("WRONG_PROOF_LENGTH", "consistency proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("WRONG_PROOF_LENGTH", "consistency proof too short")
    if fr != bytes(root1):
        raise VerificationError("ROOT_MISMATCH", f"proof gives first root {fr.hex()}")
    if sr != bytes(root2):
        raise VerificationError("ROOT_MISMATCH", f"proof gives second root {sr.hex()}")


# ---- Ed25519 verification (RFC 8032 section 5.1.7) ----

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _recover_x(y: int, sign: int) -> Optional[int]:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decompress(s: bytes):
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


def _add(p, q):
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s: int, p):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def _equal(p, q) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % _P == 0 and (p[1] * q[2] - q[1] * p[2]) % _P == 0


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0)
_G = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (64 bytes) is a valid RFC 8032 Ed25519 signature of ``message`` by ``public_key``."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a = _decompress(public_key)
    if a is None:
        return False
    r = _decompress(signature[:32])
    if r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _L
    return _equal(_mul(s, _G), _add(r, _mul(h, a)))


# ---- C2SP signed notes ----


def _b64decode(s: str, reason: str) -> bytes:
    """Strict standard base64: padded, canonical."""
    try:
        out = base64.b64decode(s.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as e:
        raise VerificationError(reason, f"bad base64: {e}") from None
    if base64.b64encode(out).decode("ascii") != s:
        raise VerificationError(reason, f"non-canonical base64 {s!r}")
    return out


def _check_name(name: str, reason: str) -> None:
    if not name:
        raise VerificationError(reason, "empty key name")
    for ch in name:
        if ch == "+" or ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch in "\u00a0\u2007\u202f":
            raise VerificationError(reason, f"key name {name!r} contains a space, + or control character")


def _key_id(name: str, key_type: int, key: bytes) -> int:
    return struct.unpack(">I", hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + key).digest()[:4])[0]


class NoteVerifier:
    """A C2SP verifier key ``<name>+<hex key ID>+<base64(type || key)>``; Ed25519 (0x01) or cosignature (0x04)."""

    def __init__(self, name: str, key_type: int, public_key: bytes):
        _check_name(name, "MALFORMED_KEY")
        if key_type not in (TYPE_ED25519, TYPE_COSIGNATURE):
            raise VerificationError("MALFORMED_KEY", f"unsupported signature type {key_type:#04x}")
        if len(public_key) != 32:
            raise VerificationError("MALFORMED_KEY", f"Ed25519 key must be 32 bytes, got {len(public_key)}")
        if _decompress(public_key) is None:
            raise VerificationError("MALFORMED_KEY", "not an Ed25519 public key")
        self.name, self.type, self.public_key = name, key_type, bytes(public_key)
        self.key_id = _key_id(name, key_type, self.public_key)

    @classmethod
    def parse(cls, vkey: str) -> "NoteVerifier":
        parts = vkey.split("+", 2)  # base64 may contain +, names may not
        if len(parts) != 3:
            raise VerificationError("MALFORMED_KEY", "a vkey has three +-separated parts")
        name, hex_id, b64 = parts
        _check_name(name, "MALFORMED_KEY")
        if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
            raise VerificationError("MALFORMED_KEY", "key ID is not 8 lower-case hex digits")
        typed = _b64decode(b64, "MALFORMED_KEY")
        if not typed:
            raise VerificationError("MALFORMED_KEY", "empty key")
        v = cls(name, typed[0], typed[1:])
        if v.key_id != int(hex_id, 16):
            raise VerificationError("MALFORMED_KEY", f"key ID {hex_id} does not match the key ({v.key_id:08x})")
        return v

    def vkey(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{base64.b64encode(bytes([self.type]) + self.public_key).decode()}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (after the key ID) is valid over the note text."""
        if self.type == TYPE_ED25519:
            return ed25519_verify(self.public_key, text, signature)
        if len(signature) != 72:
            return False
        (timestamp,) = struct.unpack(">Q", signature[:8])
        if timestamp > 2**63 - 1:
            return False
        return ed25519_verify(self.public_key, cosignature_message(text, timestamp), signature[8:])

    def __repr__(self) -> str:
        return f"NoteVerifier({self.vkey()!r})"


def cosignature_message(checkpoint_text: bytes, timestamp: int) -> bytes:
    """``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint text (c2sp.org/tlog-cosignature)."""
    return b"cosignature/v1\ntime %d\n" % timestamp + checkpoint_text


class Signature(NamedTuple):
    name: str
    key_id: int
    signature: bytes  # after the 4-byte key ID


class VerifiedNote(NamedTuple):
    text: str
    verified: List[Signature]
    unknown: List[Signature]


class Note(NamedTuple):
    """A parsed signed note: ``text`` (final newline included) and its ``signatures``."""

    text: str
    signatures: List[Signature]

    @classmethod
    def parse(cls, message: Union[bytes, str]) -> "Note":
        """Parses strictly: UTF-8, no control characters but newline, text + blank line + signature lines."""
        if isinstance(message, (bytes, bytearray)):
            try:
                message = bytes(message).decode("utf-8")
            except UnicodeDecodeError:
                raise VerificationError("MALFORMED_NOTE", "not valid UTF-8") from None
        for i, ch in enumerate(message):
            if ord(ch) < 0x20 and ch != "\n":
                raise VerificationError("MALFORMED_NOTE", f"control character {ord(ch):#04x} at {i}")
            if 0xD800 <= ord(ch) <= 0xDFFF:
                raise VerificationError("MALFORMED_NOTE", f"surrogate at {i}")
        split = message.rfind("\n\n")
        if split < 0:
            raise VerificationError("MALFORMED_NOTE", "no blank line before the signatures")
        text, sigs = message[: split + 1], message[split + 2 :]
        if not sigs:
            raise VerificationError("MALFORMED_NOTE", "no signature lines")
        if not sigs.endswith("\n"):
            raise VerificationError("MALFORMED_NOTE", "missing final newline")
        lines = sigs[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            raise VerificationError("MALFORMED_NOTE", f"{len(lines)} signatures, at most {MAX_SIGNATURES}")
        out = []
        for line in lines:
            if not line.startswith(_DASH):
                raise VerificationError("MALFORMED_NOTE", "signature line does not start with an em dash and a space")
            rest = line[len(_DASH) :]
            sp = rest.find(" ")
            if sp < 0:
                raise VerificationError("MALFORMED_NOTE", "signature line without a signature")
            name = rest[:sp]
            _check_name(name, "MALFORMED_NOTE")
            b = _b64decode(rest[sp + 1 :], "MALFORMED_NOTE")
            if len(b) < 5:
                raise VerificationError("MALFORMED_NOTE", f"signature of {len(b)} bytes is too short")
            out.append(Signature(name, struct.unpack(">I", b[:4])[0], b[4:]))
        return cls(text, out)

    def verify(self, known: Iterable[NoteVerifier]) -> VerifiedNote:
        """Unknown keys are ignored; a failing signature by a known key raises BAD_SIGNATURE; none verified raises
        UNKNOWN_KEY."""
        known = list(known)
        msg = self.text.encode("utf-8")
        verified, unknown = [], []
        for s in self.signatures:
            matches = {v.vkey(): v for v in known if v.name == s.name and v.key_id == s.key_id}
            if len(matches) > 1:
                raise VerificationError("AMBIGUOUS_KEY", f"two keys named {s.name} with ID {s.key_id:08x}")
            if not matches:
                unknown.append(s)
            elif next(iter(matches.values())).verify(msg, s.signature):
                verified.append(s)
            else:
                raise VerificationError("BAD_SIGNATURE", f"invalid signature by {s.name}+{s.key_id:08x}")
        if not verified:
            raise VerificationError("UNKNOWN_KEY", f"no signature by a known key ({len(self.signatures)} signatures)")
        return VerifiedNote(self.text, verified, unknown)


# ---- C2SP checkpoints and cosignatures ----


class Checkpoint(NamedTuple):
    """A C2SP tlog-checkpoint: origin, tree size, root hash (32 bytes) and extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: List[str]

    @classmethod
    def parse(cls, text: str) -> "Checkpoint":
        if not text.endswith("\n") or any(ord(c) < 0x20 and c != "\n" for c in text):
            raise VerificationError("MALFORMED_CHECKPOINT", "text must end in a newline, without control characters")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise VerificationError("MALFORMED_CHECKPOINT", "fewer than three lines")
        if any(not line for line in lines):
            raise VerificationError("MALFORMED_CHECKPOINT", "empty line")
        size_s = lines[1]
        if not (size_s == "0" or (size_s[0] in "123456789" and all(c in "0123456789" for c in size_s))):
            raise VerificationError("MALFORMED_CHECKPOINT", f"tree size {size_s!r} is not a decimal without leading zeros")
        size = int(size_s)
        if size > MAX_TREE_SIZE:
            raise VerificationError("MALFORMED_CHECKPOINT", "tree size too large")
        root = _b64decode(lines[2], "MALFORMED_CHECKPOINT")
        if len(root) != HASH_SIZE:
            raise VerificationError("MALFORMED_CHECKPOINT", f"root hash has {len(root)} bytes")
        return cls(lines[0], size, root, lines[3:])

    @classmethod
    def open(cls, signed_note: Union[bytes, str], origin: str, log_key: NoteVerifier) -> "Checkpoint":
        """Parses a signed checkpoint, requires a valid signature by ``log_key`` and the expected ``origin``."""
        note = Note.parse(signed_note)
        note.verify([log_key])
        c = cls.parse(note.text)
        if c.origin != origin:
            raise VerificationError("ORIGIN_MISMATCH", f"origin {c.origin!r}, expected {origin!r}")
        return c

    def text(self) -> str:
        body = f"{self.origin}\n{self.size}\n{base64.b64encode(self.root_hash).decode()}\n"
        return body + "".join(e + "\n" for e in self.extensions)


def verify_cosignature(note: Note, cosigner: NoteVerifier) -> int:
    """Verifies that ``note`` carries a valid cosignature/v1 by ``cosigner`` (a 0x04 key); returns its timestamp."""
    if cosigner.type != TYPE_COSIGNATURE:
        raise VerificationError("MALFORMED_KEY", f"{cosigner.name} is not a cosignature (0x04) key")
    v = note.verify([cosigner])
    return struct.unpack(">Q", v.verified[0].signature[:8])[0]
