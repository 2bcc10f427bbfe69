package dev.loopgrid.core.decision;

import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Renders projections as the API's Decision object (API.md). */
public final class DecisionView {
    private static final String[] OPTIONAL = {"prompt", "tool_calls", "metadata"};

    private DecisionView() {}

    /** @throws LedgerException.IntegrityBroken when the decision's content could not be read back intact */
    public static ObjectNode toJson(DecisionRecord d) {
        ObjectNode o = Json.object();
        o.put("decision_id", d.decisionId());
        o.put("created_at", d.createdAt());
        if (d.erased()) {
            // the content is gone with its subject's key: the names and the model were never sealed
            JsonNode sealed = Json.parseStored(d.content());
            o.set("service_name", sealed.get("service_name"));
            o.set("decision_type", sealed.get("decision_type"));
            o.set("model", sealed.get("model"));
        } else {
            JsonNode content = Json.parseStored(d.requireContent());
            o.set("service_name", content.get("service_name"));
            o.set("decision_type", content.get("decision_type"));
            o.set("input", content.get("input"));
            o.set("model", content.get("model"));
            o.set("output", content.get("output"));
            for (String f : OPTIONAL) {
                JsonNode v = content.get(f);
                if (v != null && !v.isNull()) o.set(f, v);
            }
        }
        if (d.subjectId() != null) o.put("subject_id", d.subjectId());
        if (d.erased()) {
            o.put("erased", true);
            o.put("erased_at", d.erasure().erasedAt());
            o.put("erasure_reason", d.erasure().reason());
        }
        o.put("status", d.status().wire());
        o.put("content_hash", d.contentHash());
        o.put("chain_hash", d.chainHash());
        if (d.incorrectAt() != null) {
            o.put("incorrect_reason", d.incorrectReason());
            o.put("incorrect_at", d.incorrectAt());
        }
        if (d.correctedAt() != null) {
            ObjectNode c = o.putObject("correction");
            if (d.correction() != null) c.set("output", Json.parseStored(d.correction()));
            else c.putNull("output"); // erased with its data subject's key
            c.put("corrected_by", d.correctedBy());
            c.put("corrected_at", d.correctedAt());
            c.put("notes", d.correctionNotes());
        }
        if (d.confirmedAt() != null) {
            ObjectNode c = o.putObject("confirmation");
            c.put("confirmed_by", d.confirmedBy());
            c.put("confirmed_at", d.confirmedAt());
            c.put("notes", d.confirmationNotes());
        }
        o.put("sequence", d.sequence());
        o.put("previous_hash", d.previousHash());
        o.put("chain_id", d.chainId());
        return o;
    }
}
