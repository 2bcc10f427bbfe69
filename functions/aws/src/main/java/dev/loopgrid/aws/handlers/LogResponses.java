package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.log.LogService;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** What the log's routes share: the service (503 where no log is configured) and their non-JSON answers. */
final class LogResponses {
    private LogResponses() {}

    static LogService log(App app) {
        LogService log = app.log();
        if (log == null) {
            throw new LedgerException.Unavailable("log_not_configured", "The verifiable log is not configured here"
                    + " (LOOPGRID_LOG_BUCKET, LOOPGRID_CHECKPOINT_BUCKET, LOOPGRID_LOG_KMS_KEY)", 60);
        }
        return log;
    }

    static APIGatewayProxyResponseEvent receipt(LogService.ReceiptResult r) {
        if (r instanceof LogService.ReceiptResult.Ready ready) {
            return ApiResponses.json(200, ready.receipt());
        }
        int after = ((LogService.ReceiptResult.Pending) r).retryAfterSeconds();
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("status", "pending");
        body.put("detail", "The entry is recorded but not yet in a signed checkpoint of the log; retry after "
                + after + " s, or ask with ?wait=N (up to " + LogService.MAX_WAIT_SECONDS + " s)");
        APIGatewayProxyResponseEvent resp = ApiResponses.json(202, body);
        resp.getHeaders().put("Retry-After", Integer.toString(after));
        return resp;
    }

    static APIGatewayProxyResponseEvent text(String text, String cacheControl) {
        Map<String, String> h = new HashMap<>();
        h.put("Content-Type", "text/plain; charset=utf-8");
        h.put("Cache-Control", cacheControl);
        h.put("X-Content-Type-Options", "nosniff");
        return new APIGatewayProxyResponseEvent().withStatusCode(200).withHeaders(h)
                .withBody(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    }

    static APIGatewayProxyResponseEvent binary(byte[] bytes) {
        Map<String, String> h = new HashMap<>();
        h.put("Content-Type", "application/octet-stream");
        h.put("Cache-Control", "public, max-age=604800, immutable");
        h.put("X-Content-Type-Options", "nosniff");
        return new APIGatewayProxyResponseEvent().withStatusCode(200).withHeaders(h).withIsBase64Encoded(true)
                .withBody(Base64.getEncoder().encodeToString(bytes));
    }
}
