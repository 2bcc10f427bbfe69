package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.report.ExportService;

/**
 * {@code GET /v1/export/decisions}: every decision matching {@code service_name} and {@code status}, no row cap.
 * {@code format=json} (default): pages of {@code page_size} (1..1000, default 1000) with {@code next_cursor}.
 * {@code format=csv}: the whole set, inline up to the configured size, else stored and answered with
 * {@code 303 See Other} to a presigned link (see {@link ExportResponses}). Formula-safe unless {@code raw=true}
 * (older name: {@code formula_safe=false}): then every cell is written exactly as stored.
 */
public final class ExportDecisionsHandler extends ApiHandler {
    private final ExportService exports;

    public ExportDecisionsHandler() {
        this(App.get());
    }

    public ExportDecisionsHandler(App app) {
        super(app.config);
        this.exports = app.exports;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        String service = nameQuery(event, "service_name");
        String statusText = query(event, "status");
        DecisionStatus status = null;
        if (statusText != null) {
            status = DecisionStatus.fromWire(statusText).orElseThrow(() -> new LedgerException.Malformed(
                    "invalid_parameter", "Query parameter status must be one of recorded, incorrect, corrected, confirmed"));
        }
        String format = query(event, "format");
        if (format == null || format.equals("json")) {
            int pageSize = intQuery(event, "page_size", ExportService.JSON_PAGE_MAX, 1, ExportService.JSON_PAGE_MAX);
            return ApiResponses.json(200, exports.decisionsJson(tenant(event), service, status, query(event, "cursor"),
                    pageSize));
        }
        if (format.equals("csv")) {
            Boolean raw = booleanQuery(event, "raw");
            Boolean safe = booleanQuery(event, "formula_safe"); // the older name: formula_safe=false is raw=true
            if (raw != null && safe != null && raw == safe) {
                throw new LedgerException.Malformed("invalid_parameter", "Query parameters raw=" + raw + " and formula_safe="
                        + safe + " contradict each other; send raw only (formula_safe=false is its older name)");
            }
            boolean writeRaw = raw != null ? raw : safe != null && !safe;
            return ExportResponses.respond(exports.decisionsCsv(tenant(event), service, status, !writeRaw),
                    "text/csv; charset=utf-8", "loopgrid_decisions.csv");
        }
        throw new LedgerException.Malformed("invalid_parameter", "Query parameter format must be json or csv");
    }

    private static Boolean booleanQuery(APIGatewayProxyRequestEvent event, String name) {
        String v = query(event, name);
        if (v == null) return null;
        if (v.equals("true")) return true;
        if (v.equals("false")) return false;
        throw new LedgerException.Malformed("invalid_parameter", "Query parameter " + name + " must be true or false");
    }
}
