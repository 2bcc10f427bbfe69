package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.verify.Checkpoint;
import dev.loopgrid.verify.EntryEnvelope;
import dev.loopgrid.verify.NoteVerifier;
import dev.loopgrid.verify.Receipt;
import dev.loopgrid.verify.Receipt.Check;
import dev.loopgrid.verify.Receipt.Failure;
import dev.loopgrid.verify.VerificationException;

/**
 * Offline verification of LoopGrid receipts ({@code loopgrid-receipt/v1}, from {@link LoopGrid#receipt} or
 * {@link LoopGrid#entryReceipt}) with the log's verifier key alone — no call to the server:
 *
 * <pre>{@code
 * String key = ...; // the log's vkey (LoopGrid#logKey), fetched once and pinned: a key that comes with the receipt proves nothing
 * JsonNode receipt = grid.receipt(decisionId, Duration.ofSeconds(10)).orElseThrow();
 * Checkpoint cp = Receipts.verify(receipt, key); // throws Receipt.Failure naming the check that failed
 * }</pre>
 *
 * The checks are those of {@link Receipt#verify} (the same as {@code java -jar loopgrid-verify.jar receipt} and the
 * Python and JavaScript SDKs): the entry's envelope hashes to its {@code chain_hash}; the proof's leaf data is that
 * envelope at {@code leaf_index}; the checkpoint's origin is the expected one (by default the receipt's own, which must
 * be {@code <key name>/<tenant>}); the checkpoint is signed by the key; the inclusion proof leads to the signed root.
 */
public final class Receipts {
    private Receipts() {}

    /**
     * Verifies {@code receipt} with the log's verifier key {@code vkey} and returns the signed checkpoint it is proven
     * against.
     *
     * @throws Failure when it does not verify ({@link Failure#check()} names the check, the message what differs)
     * @throws IllegalArgumentException when {@code vkey} is not a C2SP verifier key
     */
    public static Checkpoint verify(JsonNode receipt, String vkey) throws Failure {
        return verify(receipt, vkey, null);
    }

    /** {@link #verify(JsonNode, String)} requiring the checkpoint's origin to be {@code origin} ({@code <key name>/<tenant>}). */
    public static Checkpoint verify(JsonNode receipt, String vkey, String origin) throws Failure {
        NoteVerifier key;
        try {
            key = NoteVerifier.parse(vkey.strip());
        } catch (VerificationException e) {
            throw new IllegalArgumentException("not a verifier key: " + e.getMessage(), e);
        }
        return parse(receipt).verify(key, origin);
    }

    /** The receipt's JSON as a {@link Receipt}, strictly: every member present with its type. */
    public static Receipt parse(JsonNode r) throws Failure {
        if (r == null || !r.isObject()) throw malformed("a receipt is a JSON object");
        if (!Receipt.FORMAT.equals(text(r, "format"))) {
            throw malformed("format is " + r.get("format") + ", expected \"" + Receipt.FORMAT + "\"");
        }
        JsonNode e = r.get("entry");
        if (e == null || !e.isObject()) throw malformed("entry must be an object");
        JsonNode v = e.get("v");
        if (v == null || !v.isIntegralNumber() || v.asLong() != EntryEnvelope.VERSION) {
            throw malformed("entry.v must be " + EntryEnvelope.VERSION + " (hashing version), got " + v);
        }
        long sequence = number(e, "sequence");
        if (sequence < 1) throw malformed("entry.sequence must be positive");
        EntryEnvelope env = new EntryEnvelope(text(e, "chain_id"), sequence, text(e, "type"), text(e, "id"),
                text(e, "decision_id"), text(e, "recorded_at"), text(e, "content_hash"), text(e, "previous_hash"));
        return new Receipt(text(r, "origin"), env, text(e, "chain_hash"), number(r, "leaf_index"), number(r, "tree_size"),
                text(r, "tlog_proof"));
    }

    private static String text(JsonNode o, String name) throws Failure {
        JsonNode n = o.get(name);
        if (n == null || !n.isTextual()) throw malformed(name + " must be a string, got " + n);
        return n.textValue();
    }

    private static long number(JsonNode o, String name) throws Failure {
        JsonNode n = o.get(name);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
            throw malformed(name + " must be a non-negative integer, got " + n);
        }
        return n.asLong();
    }

    private static Failure malformed(String m) {
        return new Failure(Check.MALFORMED, m);
    }
}
