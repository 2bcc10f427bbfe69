package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.core.report.ExportService;

/**
 * {@code GET /v1/export/ground-truth}: every corrected decision (optionally of one {@code service_name}) as JSON
 * Lines — original output, correction, who corrected it, entry hashes — for evaluation and fine-tuning.
 * Inline up to the configured size, else {@code 303 See Other} to a presigned link.
 */
public final class ExportGroundTruthHandler extends ApiHandler {
    private final ExportService exports;

    public ExportGroundTruthHandler() {
        this(App.get());
    }

    public ExportGroundTruthHandler(App app) {
        super(app.config);
        this.exports = app.exports;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ExportResponses.respond(exports.groundTruth(tenant(event), nameQuery(event, "service_name")),
                "application/x-ndjson; charset=utf-8", "loopgrid_ground_truth.jsonl");
    }
}
