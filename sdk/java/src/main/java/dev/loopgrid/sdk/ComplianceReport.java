package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * The compliance report ({@code GET /v1/compliance/report}). The summary, the ledger integrity and the
 * per-article assessments are kept as JSON ({@code summary().path("total")}, …); {@link #raw()} is all of it.
 *
 * @param downloadUrl presigned link to the stored JSON copy, when the server stores reports
 * @param htmlUrl     presigned link to the stored HTML copy, when the server stores reports
 */
public record ComplianceReport(String reportType, Instant generatedAt, String serviceFilter, JsonNode summary,
                               JsonNode ledgerIntegrity, JsonNode euAiActMapping, String reportId, String downloadUrl,
                               String htmlUrl, JsonNode raw) {

    public static ComplianceReport of(JsonNode n) {
        return new ComplianceReport(Nodes.text(n, "report_type"), Nodes.instant(n, "generated_at"),
                Nodes.text(n, "service_filter"), Nodes.node(n, "summary"), Nodes.node(n, "ledger_integrity"),
                Nodes.node(n, "eu_ai_act_mapping"), Nodes.text(n, "report_id"), Nodes.text(n, "download_url"),
                Nodes.text(n, "html_url"), n);
    }

    /** The status ({@code compliant}, {@code partial}, {@code non_compliant}) of one article, e.g. {@code article_12_record_keeping}. */
    public String articleStatus(String article) {
        return euAiActMapping == null ? null : Nodes.text(euAiActMapping.path(article), "status");
    }
}
