"""Offline verification of LoopGrid receipts (``loopgrid-receipt/v1``), standard library only.

A receipt, as served by ``GET /v1/decisions/{id}/receipt`` or ``GET /v1/entries/{chain}/{sequence}/receipt``, holds
an entry's envelope fields, its ``chain_hash``, and a C2SP tlog-proof whose ``extra`` line is the entry's canonical
envelope (docs/ledger-format.md), followed by the log's signed checkpoint. :func:`verify_receipt` runs the same checks,
in the same order, as the Java ``dev.loopgrid.verify.Receipt`` and ``java -jar loopgrid-verify.jar receipt``
(docs/verifier.md), on the same fixtures (verify/src/test/resources/receipts/receipts.json).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from typing import Any, Mapping, NamedTuple, Optional, Union

from .verify import Checkpoint, Note, NoteVerifier, VerificationError, leaf_hash, verify_inclusion

__all__ = ["ReceiptError", "VerifiedReceipt", "verify_receipt", "canonical_json", "envelope"]

FORMAT = "loopgrid-receipt/v1"
DECISION_CONTENT = ("service_name", "decision_type", "input", "model", "output", "prompt", "tool_calls", "metadata")
PROOF_HEADER = "c2sp.org/tlog-proof@v1"


class ReceiptError(Exception):
    """A receipt that does not verify. ``check`` names the check that failed: ``malformed``, ``chain-hash``,
    ``leaf-data``, ``origin``, ``signature``, ``inclusion`` or ``decision``; the message says exactly what differs."""

    def __init__(self, check: str, detail: str):
        super().__init__(f"{check}: {detail}")
        self.check = check
        self.detail = detail


class VerifiedReceipt(NamedTuple):
    """What a valid receipt proves: the entry at ``leaf_index`` of the log ``origin`` whose signed checkpoint has
    ``tree_size`` leaves and ``root_hash``."""

    origin: str
    leaf_index: int
    tree_size: int
    root_hash: bytes
    entry: dict


# ---- RFC 8785 (JCS) ----


def _jcs_string(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20:
            out.append("\\u%04x" % o)
        elif 0xD800 <= o <= 0xDFFF:
            raise ValueError("lone surrogate in a string")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _jcs_number(x: Union[int, float]) -> str:
    """An IEEE-754 double printed as ECMAScript's Number.prototype.toString does (RFC 8785 section 3.2.2.3)."""
    f = float(x)
    if math.isnan(f) or math.isinf(f):
        raise ValueError("NaN and infinities have no JSON form")
    if f == 0:
        return "0"
    sign = "-" if f < 0 else ""
    r = repr(abs(f))  # the shortest round-trip digits, as ECMAScript picks them
    mantissa, _, exp = r.partition("e")
    ip, _, fp = mantissa.partition(".")
    digits = ip + fp
    point = len(ip) + (int(exp) if exp else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    k, n = len(digits), point
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    es = ("+" if e >= 0 else "-") + str(abs(e))
    return sign + (digits if k == 1 else digits[0] + "." + digits[1:]) + "e" + es


def canonical_json(value: Any) -> str:
    """RFC 8785 canonical text of a JSON value (as parsed by :func:`json.loads`): members sorted by UTF-16 code units,
    minimal string escaping, ECMAScript numbers, no white space."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return _jcs_number(value)
    if isinstance(value, str):
        return _jcs_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, Mapping):
        keys = sorted(value.keys(), key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(_jcs_string(k) + ":" + canonical_json(value[k]) for k in keys) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def envelope(entry: Mapping[str, Any]) -> bytes:
    """The canonical envelope of an entry (docs/ledger-format.md): its leaf data, whose SHA-256 is its chain_hash.
    Members are fixed and already in JCS order, so the text is written directly."""
    return (
        '{"chain_id":' + _jcs_string(entry["chain_id"])
        + ',"content_hash":' + _jcs_string(entry["content_hash"])
        + ',"decision_id":' + _jcs_string(entry["decision_id"])
        + ',"id":' + _jcs_string(entry["id"])
        + ',"previous_hash":' + _jcs_string(entry["previous_hash"])
        + ',"recorded_at":' + _jcs_string(entry["recorded_at"])
        + ',"sequence":' + str(int(entry["sequence"]))
        + ',"type":' + _jcs_string(entry["type"])
        + ',"v":1}'
    ).encode("utf-8")


# ---- the receipt ----


def _strict_b64(s: str, what: str) -> bytes:
    try:
        b = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        raise ReceiptError("malformed", f"{what} is not base64") from None
    if base64.b64encode(b).decode("ascii") != s:
        raise ReceiptError("malformed", f"{what} is not canonical base64")
    return b


def _parse_proof(text: str):
    blank = text.find("\n\n")
    if blank < 0:
        raise ReceiptError("malformed", "tlog_proof is not a C2SP tlog-proof: no blank line before the checkpoint")
    lines = text[:blank].split("\n")
    checkpoint = text[blank + 2 :]
    if not checkpoint:
        raise ReceiptError("malformed", "tlog_proof is not a C2SP tlog-proof: no checkpoint after the blank line")
    if lines[0] != PROOF_HEADER:
        raise ReceiptError("malformed", f"tlog_proof is not a C2SP tlog-proof: the first line must be {PROOF_HEADER}")
    i, extra = 1, None
    if i < len(lines) and lines[i].startswith("extra "):
        extra = _strict_b64(lines[i][6:], "extra")
        i += 1
    if i >= len(lines) or not lines[i].startswith("index "):
        raise ReceiptError("malformed", "tlog_proof is not a C2SP tlog-proof: an index line must follow")
    idx = lines[i][6:]
    if not idx.isdigit() or not idx.isascii() or (len(idx) > 1 and idx[0] == "0") or len(idx) > 19:
        raise ReceiptError("malformed", "tlog_proof is not a C2SP tlog-proof: index must be a decimal without leading zeros")
    index = int(idx)
    proof = []
    for line in lines[i + 1 :]:
        h = _strict_b64(line, "proof hash")
        if len(h) != 32:
            raise ReceiptError("malformed", f"a proof hash must be 32 bytes, got {len(h)}")
        proof.append(h)
    if len(proof) > 63:
        raise ReceiptError("malformed", "more than 63 proof hashes")
    return extra, index, proof, checkpoint


def _text(obj: Mapping[str, Any], name: str) -> str:
    v = obj.get(name)
    if not isinstance(v, str):
        raise ReceiptError("malformed", f"{name} must be a string, got {json.dumps(v)}")
    return v


def _int(obj: Mapping[str, Any], name: str, minimum: int) -> int:
    v = obj.get(name)
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum or v > 2**63 - 1:
        raise ReceiptError("malformed", f"{name} must be an integer >= {minimum}, got {json.dumps(v)}")
    return v


def verify_receipt(receipt: Union[Mapping[str, Any], str, bytes], key: Union[str, NoteVerifier],
                   origin: Optional[str] = None, decision: Optional[Mapping[str, Any]] = None) -> VerifiedReceipt:
    """Verifies a receipt offline with the log's verifier key (``GET /v1/log/key``) and returns what it proves.

    Checks, in order: the entry's envelope hashes to its ``chain_hash``; the proof's leaf data (``extra``), where it
    carries one, is that envelope (without it, the envelope is the leaf) and its index is ``leaf_index``; the checkpoint's origin is ``origin`` (default: the receipt's origin,
    which must be ``<key name>/<tenant>``); the checkpoint carries a valid signature by ``key``; the inclusion proof
    leads from the entry's leaf to the signed root, and ``tree_size`` is the checkpoint's size. With ``decision`` (the
    JSON of ``GET /v1/decisions/{id}``), its content must hash (RFC 8785, SHA-256) to its ``content_hash``, which must
    be the entry's, and its ids, chain, sequence, hashes and time must be the entry's.

    Raises :class:`ReceiptError` (``check`` names the failed check); a malformed ``key`` raises ``VerificationError``.
    """
    log_key = key if isinstance(key, NoteVerifier) else NoteVerifier.parse(key.strip())
    if isinstance(receipt, (str, bytes)):
        try:
            receipt = json.loads(receipt)
        except ValueError as e:
            raise ReceiptError("malformed", f"the receipt is not JSON: {e}") from None
    if not isinstance(receipt, Mapping):
        raise ReceiptError("malformed", "a receipt is a JSON object")
    if receipt.get("format") != FORMAT:
        raise ReceiptError("malformed", f"format is {json.dumps(receipt.get('format'))}, expected \"{FORMAT}\"")
    e = receipt.get("entry")
    if not isinstance(e, Mapping):
        raise ReceiptError("malformed", "entry must be an object")
    v = e.get("v")
    if isinstance(v, bool) or v != 1:
        raise ReceiptError("malformed", f"entry.v must be 1 (hashing version), got {json.dumps(v)}")
    entry = {name: _text(e, name) for name in ("chain_id", "type", "id", "decision_id", "recorded_at", "content_hash",
                                               "previous_hash", "chain_hash")}
    entry["sequence"] = _int(e, "sequence", 1)
    receipt_origin = _text(receipt, "origin")
    leaf_index = _int(receipt, "leaf_index", 0)
    tree_size = _int(receipt, "tree_size", 0)
    tlog_proof = _text(receipt, "tlog_proof")

    try:
        env = envelope(entry)
    except ValueError as ex:
        raise ReceiptError("malformed", f"the entry cannot be canonicalised: {ex}") from None
    computed = hashlib.sha256(env).hexdigest()
    if computed != entry["chain_hash"]:
        raise ReceiptError("chain-hash", f"the entry's envelope hashes to {computed}, not to its chain_hash "
                                         f"{entry['chain_hash']} (an entry field was changed)")
    extra, index, proof, checkpoint = _parse_proof(tlog_proof)
    # the leaf is the entry's canonical envelope: a proof may carry it (extra) or leave it to the fields
    leaf = env if extra is None else extra
    if extra is not None and extra != env:
        raise ReceiptError("leaf-data", "the proof's leaf data is not this entry's canonical envelope "
                                        "(the proof is for another entry, or the entry was changed)")
    if leaf_index != index:
        raise ReceiptError("leaf-data", f"leaf_index {leaf_index} differs from the proof's index {index}")
    expected = origin
    if expected is None:
        prefix = log_key.name + "/"
        if not receipt_origin.startswith(prefix) or len(receipt_origin) == len(prefix):
            raise ReceiptError("origin", f"the receipt's origin \"{receipt_origin}\" is not a log of key "
                                         f"\"{log_key.name}\" (expected \"{prefix}<tenant>\")")
        expected = receipt_origin
    try:
        note = Note.parse(checkpoint)
        cp = Checkpoint.parse(note.text)
    except VerificationError as ex:
        raise ReceiptError("malformed", f"the proof's checkpoint is malformed: {ex}") from None
    if cp.origin != expected:
        raise ReceiptError("origin", f"the checkpoint's origin is \"{cp.origin}\", expected \"{expected}\"")
    if receipt_origin != cp.origin:
        raise ReceiptError("origin", f"the receipt says origin \"{receipt_origin}\" but its checkpoint is of \"{cp.origin}\"")
    try:
        note.verify([log_key])
    except VerificationError as ex:
        kid = f"{log_key.name}+{log_key.key_id:08x}"
        why = {"UNKNOWN_KEY": f"the checkpoint carries no signature by key {kid}",
               "BAD_SIGNATURE": f"the checkpoint's signature by key {kid} is invalid"}.get(ex.reason, str(ex))
        raise ReceiptError("signature", why) from None
    try:
        verify_inclusion(index, cp.size, leaf_hash(leaf), proof, cp.root_hash)
    except VerificationError as ex:
        raise ReceiptError("inclusion", f"the inclusion proof of leaf {index} does not lead to the root of the signed "
                                        f"checkpoint (size {cp.size}): {ex}") from None
    if tree_size != cp.size:
        raise ReceiptError("inclusion", f"tree_size {tree_size} differs from the signed checkpoint's size {cp.size}")
    if decision is not None:
        _check_decision(decision, entry)
    return VerifiedReceipt(cp.origin, index, cp.size, cp.root_hash, entry)


def _check_decision(decision: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    if not isinstance(decision, Mapping):
        raise ReceiptError("decision", "the decision is not a JSON object")
    content = {m: decision.get(m) for m in DECISION_CONTENT}
    try:
        computed = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    except (ValueError, TypeError) as ex:
        raise ReceiptError("decision", f"the decision's content cannot be canonicalised (RFC 8785): {ex}") from None
    claimed = decision.get("content_hash")
    if computed != claimed:
        raise ReceiptError("decision", f"the decision's content hashes to {computed}, not to its content_hash {claimed}"
                                       " (its content was changed)")
    if computed != entry["content_hash"]:
        raise ReceiptError("decision", f"the decision's content hash {computed} is not the receipt entry's "
                                       f"{entry['content_hash']} (the receipt is for other content)")
    did = decision.get("decision_id")
    if entry["type"] != "decision" or entry["id"] != did or entry["decision_id"] != did:
        raise ReceiptError("decision", f"the receipt's entry is {entry['type']} {entry['id']} of decision "
                                       f"{entry['decision_id']}, not decision {did}")
    for member, value in (("chain_id", entry["chain_id"]), ("previous_hash", entry["previous_hash"]),
                          ("chain_hash", entry["chain_hash"]), ("created_at", entry["recorded_at"])):
        got = decision.get(member)
        if got is not None and got != value:
            raise ReceiptError("decision", f"the decision's {member} {got} is not the entry's {value}")
    seq = decision.get("sequence")
    if seq is not None and (isinstance(seq, bool) or seq != entry["sequence"]):
        raise ReceiptError("decision", f"the decision's sequence {seq} is not the entry's {entry['sequence']}")
