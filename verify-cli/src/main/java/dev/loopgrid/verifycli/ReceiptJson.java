package dev.loopgrid.verifycli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.verify.EntryEnvelope;
import dev.loopgrid.verify.Receipt;
import dev.loopgrid.verify.Receipt.Check;
import dev.loopgrid.verify.Receipt.Failure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.erdtman.jcs.JsonCanonicalizer;

/** A receipt's JSON ({@code loopgrid-receipt/v1}) read into a {@link Receipt}, and the decision check. */
final class ReceiptJson {
    /** The members of a decision's content, hashed (RFC 8785) into its {@code content_hash}; absent ones are null. */
    static final List<String> DECISION_CONTENT = List.of("service_name", "decision_type", "input", "model", "output",
            "prompt", "tool_calls", "metadata");

    private ReceiptJson() {}

    /** Reads the receipt strictly: every member present with its type; a failure is {@link Check#MALFORMED}. */
    static Receipt parse(JsonNode r) throws Failure {
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
        JsonNode seq = e.get("sequence");
        if (seq == null || !seq.isIntegralNumber() || !seq.canConvertToLong() || seq.asLong() < 1) {
            throw malformed("entry.sequence must be a positive integer, got " + seq);
        }
        EntryEnvelope env = new EntryEnvelope(text(e, "chain_id"), seq.asLong(), text(e, "type"), text(e, "id"),
                text(e, "decision_id"), text(e, "recorded_at"), text(e, "content_hash"), text(e, "previous_hash"));
        return new Receipt(text(r, "origin"), env, text(e, "chain_hash"), number(r, "leaf_index"), number(r, "tree_size"),
                text(r, "tlog_proof"));
    }

    /**
     * Checks that {@code decision} (the JSON of {@code GET /v1/decisions/{id}}) is the receipt's entry: its content
     * hashes (RFC 8785, SHA-256) to its {@code content_hash}, which is the entry's, and its ids, chain, sequence, hashes
     * and time are the entry's.
     */
    static void checkDecision(JsonNode decision, Receipt receipt) throws Failure {
        if (decision == null || !decision.isObject()) throw new Failure(Check.DECISION, "the decision is not a JSON object");
        EntryEnvelope entry = receipt.entry();
        ObjectNode content = JsonNodeFactory.instance.objectNode();
        for (String m : DECISION_CONTENT) {
            JsonNode n = decision.get(m);
            content.set(m, n == null ? JsonNodeFactory.instance.nullNode() : n);
        }
        String computed;
        try {
            byte[] canonical = new JsonCanonicalizer(new ObjectMapper().writeValueAsString(content)).getEncodedUTF8();
            computed = Receipt.sha256Hex(canonical);
        } catch (IOException | RuntimeException e) {
            throw new Failure(Check.DECISION, "the decision's content cannot be canonicalised (RFC 8785): " + e.getMessage(), e);
        }
        String claimed = decision.path("content_hash").asText(null);
        if (!computed.equals(claimed)) {
            throw new Failure(Check.DECISION, "the decision's content hashes to " + computed + ", not to its content_hash "
                    + claimed + " (its content was changed)");
        }
        if (!computed.equals(entry.contentHash())) {
            throw new Failure(Check.DECISION, "the decision's content hash " + computed + " is not the receipt entry's "
                    + entry.contentHash() + " (the receipt is for other content)");
        }
        String id = decision.path("decision_id").asText(null);
        if (!entry.type().equals("decision") || !entry.id().equals(id) || !entry.decisionId().equals(id)) {
            throw new Failure(Check.DECISION, "the receipt's entry is " + entry.type() + " " + entry.id() + " of decision "
                    + entry.decisionId() + ", not decision " + id);
        }
        same(decision, "chain_id", entry.chainId());
        same(decision, "previous_hash", entry.previousHash());
        same(decision, "chain_hash", receipt.chainHash());
        same(decision, "created_at", entry.recordedAt());
        JsonNode seq = decision.get("sequence");
        if (seq != null && !seq.isNull() && (!seq.isIntegralNumber() || seq.asLong() != entry.sequence())) {
            throw new Failure(Check.DECISION, "the decision's sequence " + seq + " is not the entry's " + entry.sequence());
        }
    }

    static JsonNode read(byte[] json, String what) throws CliException {
        try {
            return new ObjectMapper().readTree(new String(json, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw CliException.invalid("INVALID (malformed): " + what + " is not JSON: " + e.getOriginalMessage());
        }
    }

    private static void same(JsonNode decision, String member, String expected) throws Failure {
        JsonNode n = decision.get(member);
        if (n != null && !n.isNull() && !n.asText().equals(expected)) {
            throw new Failure(Check.DECISION, "the decision's " + member + " " + n.asText() + " is not the entry's " + expected);
        }
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
