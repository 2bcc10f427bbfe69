package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.report.ExportService;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * How file exports answer. Lambda proxy responses are buffered (at most 6 MB), so an export is either the body
 * ({@code 200}, {@code Content-Disposition: attachment}) or, when larger than the inline limit, stored in the
 * reports bucket and answered {@code 303 See Other} with {@code Location} = a presigned download link and a
 * JSON body naming it ({@code export_id}, {@code download_url}, {@code expires_at}, {@code rows}, {@code bytes}).
 * HTTP clients that follow redirects (curl -L, browsers, requests, fetch) simply get the file.
 */
final class ExportResponses {
    private ExportResponses() {}

    static APIGatewayProxyResponseEvent respond(ExportService.Delivery d, String contentType, String fileName) {
        Map<String, String> headers = new HashMap<>();
        headers.put("X-LoopGrid-Export-Rows", Long.toString(d.rows()));
        if (d instanceof ExportService.Delivery.Inline in) {
            headers.put("Content-Type", contentType);
            headers.put("Content-Disposition", "attachment; filename=" + fileName);
            headers.put("X-Content-Type-Options", "nosniff");
            return new APIGatewayProxyResponseEvent().withStatusCode(200).withHeaders(headers)
                    .withBody(new String(in.body(), StandardCharsets.UTF_8));
        }
        ExportService.Delivery.Stored s = (ExportService.Delivery.Stored) d;
        ObjectNode body = Json.object();
        body.put("export_id", s.exportId());
        body.put("download_url", s.link().url());
        body.put("expires_at", s.link().expiresAt());
        body.put("rows", s.rows());
        body.put("bytes", s.bytes());
        APIGatewayProxyResponseEvent r = ApiResponses.json(303, body);
        r.getHeaders().putAll(headers);
        r.getHeaders().put("Location", s.link().url());
        return r;
    }
}
