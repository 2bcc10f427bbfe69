package dev.loopgrid.cdk;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.services.apigateway.GatewayResponseOptions;
import software.amazon.awscdk.services.apigateway.ResponseType;
import software.amazon.awscdk.services.apigateway.RestApi;

/**
 * API Gateway's own answers (requests it refuses before or instead of a function) in the API's error shape:
 * {@code {"detail": "…", "code": "…"}}, {@code application/json}, with the status and headers the API contract
 * gives. Response types: https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html.
 *
 * <p>A {@code detail} of null means "API Gateway's own message": {@code $context.error.messageString} (already a
 * quoted JSON string). Static texts avoid {@code $} and {@code #}: the bodies are Velocity templates.
 */
public final class GatewayResponses {
    /** The challenge of a 401, as the functions send it ({@code ApiResponses}). */
    public static final String WWW_AUTHENTICATE = "Bearer realm=\"loopgrid\"";
    public static final String RETRY_AFTER_SECONDS = "1";

    /**
     * One gateway response.
     *
     * @param id      construct id
     * @param type    the response type
     * @param status  the status to answer with, or null to keep API Gateway's
     * @param code    the {@code code} field
     * @param detail  the {@code detail} text, or null for API Gateway's message
     * @param headers extra response headers (name → value)
     */
    public record Spec(String id, ResponseType type, String status, String code, String detail, Map<String, String> headers) {
        /** The body template. */
        public String body() {
            String d = detail == null ? "$context.error.messageString" : "\"" + detail + "\"";
            return "{\"detail\":" + d + ",\"code\":\"" + code + "\"}";
        }
    }

    private static final Map<String, String> RETRY = Map.of("Retry-After", RETRY_AFTER_SECONDS);

    public static final List<Spec> ALL = List.of(
            new Spec("Unauthorized", ResponseType.UNAUTHORIZED, "401", "unauthorized",
                    "A valid API key is required: send Authorization: Bearer <api key> or X-Api-Key: <api key>",
                    Map.of("WWW-Authenticate", WWW_AUTHENTICATE)),
            new Spec("AccessDenied", ResponseType.ACCESS_DENIED, "403", "forbidden",
                    "This API key may not call this route", Map.of()),
            new Spec("Throttled", ResponseType.THROTTLED, "429", "throttled",
                    "Too many requests: retry after the time in Retry-After", RETRY),
            new Spec("QuotaExceeded", ResponseType.QUOTA_EXCEEDED, "429", "quota_exceeded",
                    "The request quota of this tenant is used up", Map.of()),
            new Spec("AuthorizerFailure", ResponseType.AUTHORIZER_FAILURE, "503", "auth_unavailable",
                    "API keys cannot be checked right now; retry later", RETRY),
            new Spec("AuthorizerConfigurationError", ResponseType.AUTHORIZER_CONFIGURATION_ERROR, "503", "auth_unavailable",
                    "API keys cannot be checked right now; retry later", RETRY),
            new Spec("InvalidApiKey", ResponseType.INVALID_API_KEY, "403", "forbidden",
                    "This tenant has no usage plan on this API (ask the operator to register it)", Map.of()),
            new Spec("RequestTooLarge", ResponseType.REQUEST_TOO_LARGE, "413", "payload_too_large",
                    "The request is larger than API Gateway accepts", Map.of()),
            // API Gateway answers a path or method that no resource defines with this type (403 by default)
            new Spec("MissingAuthenticationToken", ResponseType.MISSING_AUTHENTICATION_TOKEN, "404", "route_not_found",
                    "No route for this method and path", Map.of()),
            new Spec("Default4xx", ResponseType.DEFAULT_4_XX, null, "client_error", null, Map.of()),
            new Spec("Default5xx", ResponseType.DEFAULT_5_XX, null, "internal_error", null, Map.of()));

    private GatewayResponses() {}

    /** Adds every response of {@link #ALL} to the API. */
    public static void addTo(RestApi api) {
        for (Spec s : ALL) {
            Map<String, String> headers = new LinkedHashMap<>();
            // gateway response header values are static values in single quotes
            s.headers().forEach((name, value) -> headers.put(name, "'" + value + "'"));
            GatewayResponseOptions.Builder options = GatewayResponseOptions.builder()
                    .type(s.type())
                    .templates(Map.of("application/json", s.body()));
            if (s.status() != null) options.statusCode(s.status());
            if (!headers.isEmpty()) options.responseHeaders(headers);
            api.addGatewayResponse(s.id(), options.build());
        }
    }
}
