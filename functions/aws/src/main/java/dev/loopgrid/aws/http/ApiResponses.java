package dev.loopgrid.aws.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place that maps outcomes to HTTP status codes and error bodies ({@code detail}, {@code code}, {@code errors}). */
public final class ApiResponses {
    private static final Logger LOG = LoggerFactory.getLogger(ApiResponses.class);

    private ApiResponses() {}

    public static APIGatewayProxyResponseEvent json(int status, Object body) {
        return new APIGatewayProxyResponseEvent()
                .withStatusCode(status)
                .withHeaders(new HashMap<>(Map.of("Content-Type", "application/json")))
                .withBody(Json.write(body));
    }

    /** The HTTP status of a domain error. */
    public static int status(LedgerException e) {
        int status;
        if (e instanceof LedgerException.Malformed) status = 400;
        else if (e instanceof LedgerException.Invalid) status = 422;
        else if (e instanceof LedgerException.UnsupportedMediaType) status = 415;
        else if (e instanceof LedgerException.NotFound) status = 404;
        else if (e instanceof LedgerException.Conflict) status = 409;
        else if (e instanceof LedgerException.TooLarge) status = 413;
        else if (e instanceof LedgerException.IntegrityBroken) status = 500;
        else if (e instanceof LedgerException.Unavailable) status = 503;
        else if (e instanceof LedgerException.Unauthorized) status = 401;
        else if (e instanceof LedgerException.Forbidden) status = 403;
        else if (e instanceof LedgerException.Throttled) status = 429;
        else status = 400;
        return status;
    }

    /** The error object of a domain error: {@code detail}, {@code code}, and {@code errors} for validation. */
    public static ObjectNode errorJson(LedgerException e) {
        ObjectNode body = Json.object();
        body.put("detail", e.detail());
        body.put("code", e.code());
        if (e instanceof LedgerException.Invalid inv) {
            ArrayNode errors = body.putArray("errors");
            for (LedgerException.FieldError fe : inv.errors()) {
                errors.addObject().put("field", fe.field()).put("message", fe.message());
            }
        }
        return body;
    }

    public static APIGatewayProxyResponseEvent error(LedgerException e) {
        int status = status(e);
        // stored data that failed its check is for operators to see, not only the client (the API's 5xx alarm fires too)
        if (status == 500) LOG.error("{}: {}", e.code(), e.detail());
        APIGatewayProxyResponseEvent r = json(status, errorJson(e));
        if (e instanceof LedgerException.Unavailable u) {
            r.getHeaders().put("Retry-After", Integer.toString(u.retryAfterSeconds()));
        }
        if (e instanceof LedgerException.Throttled t) {
            r.getHeaders().put("Retry-After", Integer.toString(t.retryAfterSeconds()));
        }
        if (e instanceof LedgerException.Unauthorized) {
            r.getHeaders().put("WWW-Authenticate", "Bearer realm=\"loopgrid\"");
        }
        return r;
    }

    /** An unexpected failure: a generic body, never a stack trace or internal message. */
    public static APIGatewayProxyResponseEvent internalError(String requestId) {
        ObjectNode body = Json.object();
        body.put("detail", "Internal error" + (requestId == null ? "" : " (request " + requestId + ")"));
        body.put("code", "internal_error");
        return json(500, body);
    }
}
