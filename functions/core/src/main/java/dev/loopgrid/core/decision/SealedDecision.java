package dev.loopgrid.core.decision;

import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.subject.DataKey;
import dev.loopgrid.core.subject.Sealer;
import dev.loopgrid.core.subject.SubjectKeys;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

/**
 * The {@code sealed_decision} layout: a decision that names a data subject keeps its names (service, type, model) and
 * the subject's id in the clear, and its personal members ({@link #PERSONAL}) as one AES-GCM box under the subject's
 * data key ({@link Sealer}). The entry's {@code content_hash} covers the box, so the chain, the log and receipts
 * verify byte for byte after the key is destroyed, and nothing stored lets anyone confirm a guess of the content:
 * there is no hash of the plaintext anywhere (docs/erasure.md says why this, and not a salted plaintext hash).
 */
public final class SealedDecision {
    /** The members of a decision's content that are sealed. */
    public static final List<String> PERSONAL = List.of("input", "output", "prompt", "tool_calls", "metadata");
    private static final String AAD_LABEL = "loopgrid/v1/sealed-decision";

    private SealedDecision() {}

    /** The sealed content of {@code content} (a {@code decision} layout) for {@code subjectId}. */
    public static ObjectNode seal(String tenant, String subjectId, ObjectNode content, DataKey key) {
        ObjectNode personal = Json.object();
        for (String m : PERSONAL) personal.set(m, content.get(m));
        byte[] plaintext = Canonical.canonicalize(personal).getBytes(StandardCharsets.UTF_8);
        return EntryType.SEALED_DECISION.content()
                .set("service_name", content.get("service_name"))
                .set("decision_type", content.get("decision_type"))
                .set("model", content.get("model"))
                .set("subject_id", subjectId)
                .set("sealed", Sealer.seal(key, aad(tenant, subjectId), plaintext))
                .node();
    }

    /**
     * The canonical {@code decision} content inside {@code sealedText}.
     *
     * @throws Sealer.Unopenable the box does not open under {@code key} (changed, or not this subject's)
     */
    public static String open(String tenant, String subjectId, String sealedText, DataKey key) {
        JsonNode sealed = Json.parseStored(sealedText);
        JsonNode personal = Json.parseStored(new String(Sealer.open(key, aad(tenant, subjectId), sealed.get("sealed")),
                StandardCharsets.UTF_8));
        ObjectNode content = EntryType.DECISION.content()
                .set("service_name", sealed.get("service_name"))
                .set("decision_type", sealed.get("decision_type"))
                .set("input", personal.get("input"))
                .set("model", sealed.get("model"))
                .set("output", personal.get("output"))
                .set("prompt", personal.get("prompt"))
                .set("tool_calls", personal.get("tool_calls"))
                .set("metadata", personal.get("metadata"))
                .node();
        return Canonical.canonicalize(content);
    }

    /**
     * A correction of a sealed decision: {@code {"sealed": box}} where the box holds {@code {"correction","notes"}},
     * bound to the tenant, subject and decision.
     */
    public static ObjectNode sealCorrection(String tenant, String subjectId, String decisionId, JsonNode correction,
                                            String notes, DataKey key) {
        ObjectNode plain = Json.object();
        plain.set("correction", correction);
        plain.put("notes", notes);
        return Sealer.wrap(key, correctionAad(tenant, subjectId, decisionId),
                Canonical.canonicalize(plain).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] correctionAad(String tenant, String subjectId, String decisionId) {
        return ("loopgrid/v1/sealed-correction" + '\0' + tenant + '\0' + subjectId + '\0' + decisionId)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A sealed decision's projection with its sealed correction opened (or dropped when its key is gone). */
    private static DecisionRecord openCorrection(String tenant, DecisionRecord d, DataKey key) {
        if (d.correction() == null) return d;
        JsonNode stored;
        try {
            stored = Json.parseStored(d.correction());
        } catch (IllegalArgumentException e) {
            return d;
        }
        if (!Sealer.isWrapped(stored)) return d;
        if (key == null) return d.withCorrection(null, null);
        try {
            JsonNode plain = Json.parseStored(new String(Sealer.unwrap(key, correctionAad(tenant, d.subjectId(),
                    d.decisionId()), stored), StandardCharsets.UTF_8));
            JsonNode notes = plain.get("notes");
            return d.withCorrection(Canonical.canonicalize(plain.get("correction")),
                    notes == null || notes.isNull() ? null : notes.textValue());
        } catch (Sealer.Unopenable | IllegalArgumentException e) {
            return d.withContent(null, "its sealed correction does not open under its subject's key (" + e.getMessage() + ")");
        }
    }

    /** The key id a sealed content text names, or null when it has none. */
    public static String keyId(String sealedText) {
        JsonNode box = Json.parseStored(sealedText).get("sealed");
        JsonNode kid = box == null ? null : box.get("kid");
        return kid != null && kid.isTextual() ? kid.textValue() : null;
    }

    /**
     * What an Idempotency-Key remembers of a sealed request: HMAC-SHA256 of its plaintext under the subject's key,
     * so a retry is recognised while the key exists and nothing links it to a guess once the key is destroyed.
     */
    public static String fingerprint(DataKey key, String canonicalPlaintext) {
        return "hmac:" + HexFormat.of().formatHex(Sealer.hmac(key, canonicalPlaintext.getBytes(StandardCharsets.UTF_8)));
    }

    /** A sealed decision record opened with its subject's key, or marked erased; others as they are. */
    static DecisionRecord open(String tenant, DecisionRecord d,
                               java.util.function.BiFunction<String, String, SubjectKeys.Lookup> keys) {
        if (d.subjectId() == null || d.content() == null || d.contentProblem() != null || d.opened() != null) return d;
        if (keys == null) return d.withContent(null, "it is sealed and no data keys are configured here");
        String keyId;
        try {
            keyId = keyId(d.content());
        } catch (IllegalArgumentException e) {
            keyId = null;
        }
        if (keyId == null) return d.withContent(null, "its sealed content names no key");
        SubjectKeys.Lookup lookup = keys.apply(d.subjectId(), keyId);
        if (lookup instanceof SubjectKeys.Lookup.Erased e) {
            return openCorrection(tenant, d, null).withOpened(null,
                    new DecisionRecord.Erasure(e.state().erasedAt(), e.state().erasureReason()));
        }
        if (lookup instanceof SubjectKeys.Lookup.Missing m) return d.withContent(null, m.why());
        try {
            DataKey key = ((SubjectKeys.Lookup.Usable) lookup).key();
            DecisionRecord opened = d.withOpened(open(tenant, d.subjectId(), d.content(), key), null);
            return openCorrection(tenant, opened, key);
        } catch (Sealer.Unopenable | IllegalArgumentException e) {
            return d.withContent(null, "its sealed content does not open under its subject's key (" + e.getMessage() + ")");
        }
    }

    private static byte[] aad(String tenant, String subjectId) {
        return (AAD_LABEL + '\0' + tenant + '\0' + subjectId).getBytes(StandardCharsets.UTF_8);
    }
}
