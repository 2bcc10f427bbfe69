package dev.loopgrid.core.report;

import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.Json;
import java.util.Arrays;
import java.util.List;

/**
 * The columns of the CSV decision export: v0.1's six first (API.md), then further ones. {@code input}, {@code output}
 * and {@code correction} are canonical JSON text (RFC 8785, as hashed); {@code notes} are the correction's notes.
 */
public final class DecisionCsv {
    public static final List<String> HEADER = List.of(
            "decision_id", "created_at", "service_name", "decision_type", "status", "content_hash",
            "chain_hash", "sequence", "previous_hash", "model", "incorrect_reason", "incorrect_at", "corrected_by",
            "corrected_at", "input", "output", "correction", "notes", "confirmed_by", "confirmed_at",
            "confirmation_notes", "erased_at");

    private DecisionCsv() {}

    public static List<String> row(DecisionRecord d) {
        // a large decision whose content object failed its check fails the export rather than show a blank model
        // an erased decision keeps its row (it happened) without the content its subject's key took with it
        com.fasterxml.jackson.databind.JsonNode content = d.erased() ? Json.object() : Json.parseStored(d.requireContent());
        String model = d.erased() ? d.model() : Counters.modelLabel(content.get("model"));
        return Arrays.asList(d.decisionId(), d.createdAt(), d.chainId(), d.decisionType(), d.status().wire(),
                d.contentHash(), d.chainHash(), Long.toString(d.sequence()), d.previousHash(), model,
                d.incorrectReason(), d.incorrectAt(), d.correctedBy(), d.correctedAt(), canonical(content.get("input")),
                canonical(content.get("output")), d.correction(), d.correctionNotes(), d.confirmedBy(), d.confirmedAt(),
                d.confirmationNotes(), d.erased() ? d.erasure().erasedAt() : null);
    }

    private static String canonical(com.fasterxml.jackson.databind.JsonNode n) {
        return n == null || n.isNull() ? null : dev.loopgrid.core.ledger.Canonical.canonicalize(n);
    }
}
