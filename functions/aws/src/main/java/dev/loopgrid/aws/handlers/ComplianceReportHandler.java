package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.report.ComplianceReportService;
import dev.loopgrid.core.report.ReportJson;

/**
 * {@code GET /v1/compliance/report}: the EU AI Act report as JSON, stored as {@code reports/<report_id>.json}
 * and {@code .html} with presigned links to both. Query {@code service_name} (optional) and {@code verify}
 * ({@code incremental}, the default, or {@code full}).
 */
public final class ComplianceReportHandler extends ApiHandler {
    private final ComplianceReportService reports;

    public ComplianceReportHandler() {
        this(App.get());
    }

    public ComplianceReportHandler(App app) {
        super(app.config);
        this.reports = app.reports;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        String service = nameQuery(event, "service_name");
        ComplianceReportService.Issued r = reports.issue(tenant(event), service, fullVerification(event));
        return ApiResponses.json(200, ReportJson.toJson(r.report(), r.json(), r.html()));
    }

    /** {@code verify=full} walks every entry; {@code incremental} (default) only what was appended since the last report. */
    static boolean fullVerification(APIGatewayProxyRequestEvent event) {
        String v = query(event, "verify");
        if (v == null || v.equals("incremental")) return false;
        if (v.equals("full")) return true;
        throw new LedgerException.Malformed("invalid_parameter", "Query parameter verify must be incremental or full");
    }
}
