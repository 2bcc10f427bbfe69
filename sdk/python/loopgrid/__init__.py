"""
LoopGrid Python SDK
===================

Client for LoopGrid, the system of record for AI decisions. Standard library only.

Usage::

    from loopgrid import LoopGrid

    grid = LoopGrid(base_url="http://localhost:8000", service_name="support-agent")
    decision = grid.record_decision(
        decision_type="customer_support_reply",
        input={"message": "I was charged twice"},
        model={"provider": "openai", "name": "gpt-4"},
        output={"response": "Refund initiated."},
    )
    print(decision["decision_id"], decision["chain_hash"])

Record in the background, in batches (``POST /v1/decisions/batch``; see the README's "Background batching")::

    batcher = grid.batcher(max_batch=100, flush_interval=1.0, max_queue=10_000)
    batcher.record("customer_support_reply", {"message": "…"}, {"provider": "openai", "name": "gpt-4"}, {…})

Verify a receipt offline (``loopgrid.verify``: RFC 9162 proofs, C2SP signed checkpoints, pure-Python Ed25519)::

    from loopgrid.verify import Checkpoint, NoteVerifier, verify_inclusion
    checkpoint = Checkpoint.open(signed_checkpoint, origin, NoteVerifier.parse(log_vkey))
    verify_inclusion(index, checkpoint.size, leaf_hash, proof, checkpoint.root_hash)

Check a receipt (the proof that a decision is in the log, signed by the log's key)::

    from loopgrid import verify_receipt
    proof = verify_receipt(grid.receipt(decision["decision_id"], wait=10), pinned_log_key,
                           decision=grid.get_decision(decision["decision_id"]))

Record every call of an OpenAI or Anthropic client automatically::

    from loopgrid import wrap_openai
    client = wrap_openai(OpenAI(), grid)
"""

from .client import CLIENT, DecisionResult, LoopGrid, LoopGridAPIError, LoopGridError, __version__
from .batching import Batcher
from . import verify
from .receipts import ReceiptError, VerifiedReceipt, verify_receipt
from .wrappers import wrap, wrap_anthropic, wrap_openai

__all__ = [
    "LoopGrid",
    "LoopGridError",
    "LoopGridAPIError",
    "DecisionResult",
    "Batcher",
    "wrap",
    "wrap_openai",
    "wrap_anthropic",
    "CLIENT",
    "verify",
    "verify_receipt",
    "ReceiptError",
    "VerifiedReceipt",
    "__version__",
]
