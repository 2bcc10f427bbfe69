package dev.loopgrid.aws.http;

import dev.loopgrid.aws.auth.AuthorizerContext;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.Routes;
import dev.loopgrid.aws.telemetry.Telemetry;
import dev.loopgrid.core.auth.Permission;
import dev.loopgrid.core.auth.Principal;
import dev.loopgrid.core.auth.Role;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import software.amazon.lambda.powertools.logging.CorrelationIdPaths;
import org.slf4j.LoggerFactory;

/**
 * Base of every endpoint handler: turns the outcome of {@link #handle} (or the exception it throws) into
 * an API Gateway proxy response, and offers the request-reading helpers handlers share. Handlers only
 * translate: parse the event, call one use case, map the result.
 */
public abstract class ApiHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

    /** The tenant used when no authorizer names one (open single-tenant mode). */
    protected final String defaultTenant;
    /** When true, a request without an authorizer-established principal is refused (401) instead of open. */
    private final boolean requireKeys;
    /** What this route needs from the caller's role (from the route table). */
    private final Permission permission;

    /** A public route's handler: no tenant. */
    protected ApiHandler() {
        this(null, false);
    }

    /** Open mode over {@code defaultTenant} (tests). */
    protected ApiHandler(String defaultTenant) {
        this(defaultTenant, false);
    }

    protected ApiHandler(App.Config config) {
        this(config.tenant(), config.requireKeys());
    }

    private ApiHandler(String defaultTenant, boolean requireKeys) {
        this.defaultTenant = defaultTenant;
        this.requireKeys = requireKeys;
        this.permission = Routes.permissionOf(getClass());
    }

    protected abstract APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event);

    /**
     * True when this route decodes and checks {@code Content-Encoding} itself (the OTLP routes: gzip, answered in
     * OTLP's error shape). Otherwise any {@code Content-Encoding} but {@code identity} is refused with 415 before
     * {@link #handle} ({@link RequestChecks}).
     */
    protected boolean decodesContentEncoding() {
        return false;
    }

    @Override
    public final APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        return Telemetry.invocation(context, CorrelationIdPaths.API_GATEWAY_REST, event, () -> respond(event));
    }

    private APIGatewayProxyResponseEvent respond(APIGatewayProxyRequestEvent event) {
        String requestId = event.getRequestContext() != null ? event.getRequestContext().getRequestId() : null;
        try {
            authorize(event);
            RequestChecks.check(event, decodesContentEncoding());
            return handle(event);
        } catch (LedgerException e) {
            return ApiResponses.error(e);
        } catch (StoreException.Unavailable e) {
            LOG.warn("store unavailable (request {}): {}", requestId, e.getMessage());
            return ApiResponses.error(new LedgerException.Unavailable("store_unavailable",
                    "The ledger store is temporarily unavailable; retry later", 1));
        } catch (RuntimeException e) {
            LOG.error("unexpected failure (request {})", requestId, e);
            return ApiResponses.internalError(requestId);
        }
    }

    /** Refuses the request (401/403) unless its principal's role grants this route's permission. */
    private void authorize(APIGatewayProxyRequestEvent event) {
        if (permission == Permission.PUBLIC) return;
        Principal p = principal(event);
        if (!p.role().allows(permission)) {
            throw new LedgerException.Forbidden("API key role " + p.role().wire() + " may not " + describe(permission)
                    + "; roles that may: " + rolesAllowing(permission));
        }
    }

    /**
     * The caller: the tenant and role the authorizer established (API Gateway puts its context under
     * {@code requestContext.authorizer}; only API Gateway or the local front can set it), or, in open mode,
     * the configured tenant with every permission.
     */
    protected Principal principal(APIGatewayProxyRequestEvent event) {
        Map<String, Object> auth = event.getRequestContext() == null ? null : event.getRequestContext().getAuthorizer();
        Object tenant = auth == null ? null : auth.get(AuthorizerContext.TENANT);
        if (tenant != null) {
            Role role = Role.fromWire(String.valueOf(auth.get(AuthorizerContext.ROLE)));
            if (role == null) throw new LedgerException.Unauthorized("The API key's role is not recognised");
            Object keyId = auth.get(AuthorizerContext.KEY_ID);
            return new Principal(String.valueOf(tenant), role, keyId == null ? "unknown" : String.valueOf(keyId));
        }
        if (requireKeys) {
            throw new LedgerException.Unauthorized(
                    "An API key is required: send \"Authorization: Bearer <api key>\" or \"X-Api-Key: <api key>\"");
        }
        return Principal.open(defaultTenant);
    }

    /** Who makes this request, as lifecycle entries record it: {@code key:<key id>}, or {@code open} without keys. */
    protected String actor(APIGatewayProxyRequestEvent event) {
        Principal p = principal(event);
        return p.open() ? "open" : "key:" + p.keyId();
    }

    /** The tenant of this request: every key the request reads or writes is scoped by it. */
    protected String tenant(APIGatewayProxyRequestEvent event) {
        return principal(event).tenant();
    }

    private static String describe(Permission p) {
        return switch (p) {
            case PUBLIC -> "call this route";
            case RECORD -> "record decisions";
            case REPLAY -> "create replays";
            case READ -> "read decisions, replays and statistics";
            case REVIEW -> "confirm, flag or correct decisions";
            case AUDIT -> "verify integrity, build compliance reports or export";
            case MANAGE_KEYS -> "manage API keys";
            case LIFECYCLE -> "erase data subjects, manage legal holds or set the retention floor";
        };
    }

    private static String rolesAllowing(Permission p) {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (Role r : Role.values()) if (r.allows(p)) names.add(r.wire());
        return String.join(", ", names);
    }

    /** The request body as text (decoding base64 when API Gateway encoded it), or null. */
    protected static String bodyText(APIGatewayProxyRequestEvent event) {
        String body = event.getBody();
        if (body == null) return null;
        if (Boolean.TRUE.equals(event.getIsBase64Encoded())) {
            try {
                byte[] bytes = Base64.getDecoder().decode(body);
                var decoder = StandardCharsets.UTF_8.newDecoder();
                return decoder.decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (IllegalArgumentException | java.nio.charset.CharacterCodingException e) {
                throw new LedgerException.Malformed("Request body is not valid UTF-8");
            }
        }
        return body;
    }

    /** The body parsed as JSON; a missing body is a 400. */
    protected static JsonNode requiredJson(APIGatewayProxyRequestEvent event) {
        requireJsonContentType(event);
        return Json.parse(bodyText(event));
    }

    /** The body parsed as JSON, or null when there is none. */
    protected static JsonNode optionalJson(APIGatewayProxyRequestEvent event) {
        String text = bodyText(event);
        if (text == null || text.isBlank()) return null;
        requireJsonContentType(event);
        return Json.parse(text);
    }

    private static void requireJsonContentType(APIGatewayProxyRequestEvent event) {
        String ct = header(event, "Content-Type");
        if (ct == null) return; // clients that send no type get the benefit of the doubt
        String media = ct.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!media.equals("application/json") && !media.endsWith("+json")) {
            throw new LedgerException.UnsupportedMediaType(
                    "Content-Type must be application/json, got \"" + ct + "\"");
        }
    }

    /** A header, case-insensitively, or null. */
    protected static String header(APIGatewayProxyRequestEvent event, String name) {
        return AuthorizerContext.header(event.getHeaders(), name);
    }

    protected static String pathParameter(APIGatewayProxyRequestEvent event, String name) {
        Map<String, String> p = event.getPathParameters();
        String v = p == null ? null : p.get(name);
        if (v == null || v.isEmpty()) throw new LedgerException.Malformed("missing path parameter " + name);
        return v;
    }

    protected static String query(APIGatewayProxyRequestEvent event, String name) {
        Map<String, String> q = event.getQueryStringParameters();
        String v = q == null ? null : q.get(name);
        return v == null || v.isEmpty() ? null : v;
    }

    /** A service_name / decision_type query value, in NFC as names are stored: at most as long as a recorded name may be, else 400. */
    protected static String nameQuery(APIGatewayProxyRequestEvent event, String name) {
        String v = dev.loopgrid.core.decision.Names.nfc(query(event, name)); // names are stored in NFC
        if (v != null && v.codePointCount(0, v.length()) > DecisionService.MAX_NAME_LENGTH) {
            throw new LedgerException.Malformed("invalid_parameter", "Query parameter " + name + " must be at most "
                    + DecisionService.MAX_NAME_LENGTH + " characters long");
        }
        return v;
    }

    /** A required whole-number query parameter (0 or more). */
    protected static long longQuery(APIGatewayProxyRequestEvent event, String name) {
        String v = query(event, name);
        if (v == null) throw new LedgerException.Malformed("invalid_parameter", "Query parameter " + name + " is required");
        try {
            long l = Long.parseLong(v.trim());
            if (l < 0) throw new NumberFormatException();
            return l;
        } catch (NumberFormatException e) {
            throw new LedgerException.Malformed("invalid_parameter", "Query parameter " + name
                    + " must be a whole number, got \"" + (v.length() > 40 ? v.substring(0, 40) + "…" : v) + "\"");
        }
    }

    protected static int intQuery(APIGatewayProxyRequestEvent event, String name, int dflt, int min, int max) {
        String v = query(event, name);
        if (v == null) return dflt;
        try {
            int i = Integer.parseInt(v.trim());
            if (i < min || i > max) throw new NumberFormatException();
            return i;
        } catch (NumberFormatException e) {
            throw new LedgerException.Malformed("invalid_parameter", "Query parameter " + name
                    + " must be an integer from " + min + " to " + max + ", got \""
                    + (v.length() > 40 ? v.substring(0, 40) + "…" : v) + "\"");
        }
    }
}
