package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The outcome of {@code GET /v1/integrity/verify}: {@code valid}, the entries checked, and when the ledger does
 * not verify the first bad entry ({@code brokenAt}) and what was found ({@code message}).
 *
 * @param total   ledger entries verified
 * @param raw     the whole response ({@code {"integrity": {…}, "service_filter": …}})
 */
public record IntegrityReport(boolean valid, long total, String brokenAt, String message, Long chains, Long decisions,
                              String headHash, String serviceFilter, JsonNode raw) {

    public static IntegrityReport of(JsonNode n) {
        JsonNode i = n.path("integrity");
        return new IntegrityReport(Nodes.bool(i, "valid"), i.path("total").asLong(), Nodes.text(i, "broken_at"),
                Nodes.text(i, "message"), Nodes.number(i, "chains"), Nodes.number(i, "decisions"), Nodes.text(i, "head_hash"),
                Nodes.text(n, "service_filter"), n);
    }
}
