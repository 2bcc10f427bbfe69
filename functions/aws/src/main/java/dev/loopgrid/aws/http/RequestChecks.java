package dev.loopgrid.aws.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import dev.loopgrid.core.ledger.LedgerException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Request-level checks every handler runs before its use case, the same behind API Gateway and the local front:
 * <ul>
 *   <li>a header value with CR or LF is 400 {@code invalid_header} (a value that was split or smuggled);</li>
 *   <li>{@code Idempotency-Key} sent more than once (API Gateway keeps every value in {@code multiValueHeaders} and
 *       the last in {@code headers}) is 400 {@code duplicate_header}, never "the last one wins";</li>
 *   <li>a {@code Content-Encoding} other than {@code identity} is 415 {@code unsupported_media_type}, unless the route
 *       decodes content codings itself (the OTLP routes: {@code gzip}).</li>
 * </ul>
 */
public final class RequestChecks {
    /** Headers that must appear at most once. */
    static final List<String> SINGLE = List.of("Idempotency-Key");

    private RequestChecks() {}

    /**
     * @param routeDecodes the route decodes and checks {@code Content-Encoding} itself
     * @throws LedgerException.Malformed            CR or LF in a header value, a single header sent twice
     * @throws LedgerException.UnsupportedMediaType a content coding the route does not decode
     */
    public static void check(APIGatewayProxyRequestEvent event, boolean routeDecodes) {
        Map<String, String> single = event.getHeaders();
        Map<String, List<String>> multi = event.getMultiValueHeaders();
        if (single != null) {
            for (Map.Entry<String, String> h : single.entrySet()) checkValue(h.getKey(), h.getValue());
        }
        if (multi != null) {
            for (Map.Entry<String, List<String>> h : multi.entrySet()) {
                if (h.getValue() != null) for (String v : h.getValue()) checkValue(h.getKey(), v);
            }
            for (String name : SINGLE) {
                int n = 0;
                for (Map.Entry<String, List<String>> h : multi.entrySet()) {
                    if (h.getKey() != null && h.getKey().equalsIgnoreCase(name) && h.getValue() != null) n += h.getValue().size();
                }
                if (n > 1) {
                    throw new LedgerException.Malformed("duplicate_header", name + " was sent " + n
                            + " times; send it once");
                }
            }
        }
        String ce = dev.loopgrid.aws.auth.AuthorizerContext.header(single, "Content-Encoding");
        if (multi != null) {
            StringBuilder all = new StringBuilder();
            for (Map.Entry<String, List<String>> h : multi.entrySet()) {
                if (h.getKey() != null && h.getKey().equalsIgnoreCase("Content-Encoding") && h.getValue() != null) {
                    for (String v : h.getValue()) all.append(all.length() > 0 ? ", " : "").append(v);
                }
            }
            if (all.length() > 0) ce = all.toString();
        }
        if (ce != null && !routeDecodes) checkEncoding(ce);
    }

    private static void checkEncoding(String header) {
        for (String c : header.split(",", -1)) {
            String coding = c.trim().toLowerCase(Locale.ROOT);
            if (!coding.isEmpty() && !coding.equals("identity")) {
                throw new LedgerException.UnsupportedMediaType("Content-Encoding \"" + clip(header) + "\" is not supported"
                        + " here; send the body without Content-Encoding (or identity)");
            }
        }
    }

    private static void checkValue(String name, String value) {
        if (value != null && (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0)) {
            throw new LedgerException.Malformed("invalid_header", "Header " + clip(name)
                    + " contains CR or LF in its value");
        }
    }

    private static String clip(String s) {
        if (s == null) return "";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 60; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > 60 ? sb + "…" : sb.toString();
    }
}
