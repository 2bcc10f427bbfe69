package dev.loopgrid.core.report;

import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.Json;
import java.util.Arrays;
import java.util.List;

/** The columns of the CSV decision export: v0.1's six first (API.md), then further ones. */
public final class DecisionCsv {
    public static final List<String> HEADER = List.of(
            "decision_id", "created_at", "service_name", "decision_type", "status", "content_hash",
            "chain_hash", "sequence", "previous_hash", "model", "incorrect_reason", "incorrect_at", "corrected_by",
            "corrected_at");

    private DecisionCsv() {}

    public static List<String> row(DecisionRecord d) {
        // a large decision whose content object failed its check fails the export rather than show a blank model
        String model = Counters.modelLabel(Json.parseStored(d.requireContent()).get("model"));
        return Arrays.asList(d.decisionId(), d.createdAt(), d.chainId(), d.decisionType(), d.status().wire(),
                d.contentHash(), d.chainHash(), Long.toString(d.sequence()), d.previousHash(), model,
                d.incorrectReason(), d.incorrectAt(), d.correctedBy(), d.correctedAt());
    }
}
