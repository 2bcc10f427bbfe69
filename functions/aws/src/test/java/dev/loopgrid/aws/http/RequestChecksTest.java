package dev.loopgrid.aws.http;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import dev.loopgrid.core.ledger.LedgerException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request-level checks as API Gateway events carry headers: {@code headers} (last value) and {@code multiValueHeaders}. */
class RequestChecksTest {
    private static APIGatewayProxyRequestEvent event(Map<String, List<String>> multi) {
        Map<String, String> single = new HashMap<>();
        multi.forEach((k, v) -> single.put(k, v.get(v.size() - 1)));
        return new APIGatewayProxyRequestEvent().withHeaders(single).withMultiValueHeaders(multi);
    }

    @Test
    void duplicateIdempotencyKey_inMultiValueHeaders_is400_evenUnderTwoSpellings() {
        // given API Gateway's event for two Idempotency-Key lines (headers keeps only the last)
        Map<String, List<String>> multi = new LinkedHashMap<>();
        multi.put("Idempotency-Key", List.of("a", "b"));
        // when / then
        LedgerException.Malformed e = assertThrows(LedgerException.Malformed.class,
                () -> RequestChecks.check(event(multi), false));
        assertEquals("duplicate_header", e.code());
        assertEquals("Idempotency-Key was sent 2 times; send it once", e.detail());

        Map<String, List<String>> spelled = new LinkedHashMap<>();
        spelled.put("Idempotency-Key", List.of("a"));
        spelled.put("idempotency-key", List.of("a"));
        assertEquals("duplicate_header", assertThrows(LedgerException.Malformed.class,
                () -> RequestChecks.check(event(spelled), false)).code());

        assertDoesNotThrow(() -> RequestChecks.check(event(Map.of("Idempotency-Key", List.of("a"))), false));
    }

    @Test
    void crOrLfInAHeaderValue_is400() {
        for (String v : new String[] {"a\rb", "a\nb", "a\r\nX-Injected: 1"}) {
            LedgerException.Malformed e = assertThrows(LedgerException.Malformed.class,
                    () -> RequestChecks.check(event(Map.of("X-Note", List.of(v))), false));
            assertEquals("invalid_header", e.code());
            assertEquals("Header X-Note contains CR or LF in its value", e.detail());
        }
    }

    @Test
    void contentEncoding_otherThanIdentityOrARouteCoding_is415() {
        for (String ce : new String[] {"br", "gzip", "deflate", "gzip, br", "compress"}) {
            LedgerException.UnsupportedMediaType e = assertThrows(LedgerException.UnsupportedMediaType.class,
                    () -> RequestChecks.check(event(Map.of("Content-Encoding", List.of(ce))), false), ce);
            assertEquals("unsupported_media_type", e.code());
            assertEquals("Content-Encoding \"" + ce + "\" is not supported here; send the body without Content-Encoding"
                    + " (or identity)", e.detail());
        }
        assertDoesNotThrow(() -> RequestChecks.check(event(Map.of("Content-Encoding", List.of("identity"))), false));
        // a route that decodes content codings itself (OTLP) checks them itself, in its own error shape
        assertDoesNotThrow(() -> RequestChecks.check(event(Map.of("Content-Encoding", List.of("gzip"))), true));
        assertDoesNotThrow(() -> RequestChecks.check(event(Map.of("Content-Encoding", List.of("br"))), true));
    }

    @Test
    void eventsWithoutHeaders_pass() {
        assertDoesNotThrow(() -> RequestChecks.check(new APIGatewayProxyRequestEvent(), false));
    }
}
