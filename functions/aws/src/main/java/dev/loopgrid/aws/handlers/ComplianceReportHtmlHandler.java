package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.core.report.ComplianceReportService;
import dev.loopgrid.core.report.ReportHtml;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code GET /v1/compliance/report/html}: the printable report (text/html), issued and stored like the JSON one.
 * The page runs nothing: its Content-Security-Policy (sent as a header and repeated in the page, which also
 * protects the stored copy) allows only inline styles and data: images.
 */
public final class ComplianceReportHtmlHandler extends ApiHandler {
    private final ComplianceReportService reports;

    public ComplianceReportHtmlHandler() {
        this(App.get());
    }

    public ComplianceReportHtmlHandler(App app) {
        super(app.config);
        this.reports = app.reports;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        String service = nameQuery(event, "service_name");
        ComplianceReportService.Issued r = reports.issue(tenant(event), service,
                ComplianceReportHandler.fullVerification(event));
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "text/html; charset=utf-8");
        headers.put("Content-Security-Policy", ReportHtml.CONTENT_SECURITY_POLICY);
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put("Cache-Control", "no-store");
        headers.put("X-LoopGrid-Report-Id", r.report().reportId());
        return new APIGatewayProxyResponseEvent().withStatusCode(200).withHeaders(headers).withBody(r.htmlText());
    }
}
