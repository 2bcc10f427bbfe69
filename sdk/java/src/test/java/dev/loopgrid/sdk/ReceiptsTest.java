package dev.loopgrid.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopgrid.sdk.FakeServer.Respond;
import dev.loopgrid.verify.Checkpoint;
import dev.loopgrid.verify.Receipt;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Receipts.verify on the shared fixtures, and the client's receipt calls against scripted servers. */
class ReceiptsTest {
    static final Path FIXTURE = Path.of("..", "..", "verify", "src", "test", "resources", "receipts", "receipts.json");
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode fixture() throws Exception {
        return JSON.readTree(FIXTURE.toFile());
    }

    /** The fixture's check names are the enum's, lower case with hyphens. */
    static String name(Receipt.Check c) {
        return c.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Test
    void everyFixtureCase_withoutADecision_getsItsVerdict() throws Exception {
        JsonNode f = fixture();
        List<String> wrong = new ArrayList<>();
        int n = 0;
        for (JsonNode c : f.get("cases")) {
            if (c.has("decision")) continue; // the content hash of a decision needs RFC 8785: the CLI checks it
            n++;
            String origin = c.has("origin") ? c.get("origin").asText() : null;
            String expect = c.get("expect").asText();
            try {
                Checkpoint cp = Receipts.verify(c.get("receipt"), c.get("key").asText(), origin);
                if (!expect.equals("valid")) wrong.add(c.get("name").asText() + ": verified, expected " + expect);
                else assertEquals(c.get("receipt").get("tree_size").asLong(), cp.size());
            } catch (Receipt.Failure e) {
                if (!expect.equals(name(e.check()))) wrong.add(c.get("name").asText() + ": " + name(e.check()) + " (" + e.getMessage()
                        + "), expected " + expect);
            }
        }
        assertTrue(n >= 25, "cases: " + n);
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void aKeyThatIsNotAKey_isAnIllegalArgument() throws Exception {
        JsonNode r = fixture().get("cases").get(0).get("receipt");
        assertThrows(IllegalArgumentException.class, () -> Receipts.verify(r, "nope"));
    }

    @Test
    void receipt_returnsIt_orEmptyWhilePending() throws Exception {
        JsonNode f = fixture();
        String body = f.get("cases").get(0).get("receipt").toString();
        AtomicInteger n = new AtomicInteger();
        try (FakeServer s = new FakeServer(r -> n.incrementAndGet() == 1
                ? new Respond(202, "application/json", "{\"status\":\"pending\"}", Map.of("Retry-After", "1"))
                : Respond.json(200, body))) {
            LoopGrid grid = LoopGrid.builder().baseUrl(s.url()).apiKey("lg_k").build();
            assertEquals(Optional.empty(), grid.receipt("dec_1"));
            JsonNode r = grid.receipt("dec_1", Duration.ofSeconds(5)).orElseThrow();
            assertEquals(13, Receipts.verify(r, f.get("vkey").asText()).size());
            assertEquals("/v1/decisions/dec_1/receipt", s.requests.get(0).target());
            assertEquals("/v1/decisions/dec_1/receipt?wait=5", s.requests.get(1).target());
            assertEquals("Bearer lg_k", s.requests.get(1).header("Authorization"));
        }
    }

    @Test
    void entryReceipt_byChainAndSequence_andAnUnknownOneIs404() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(404, "{\"code\":\"entry_not_found\",\"detail\":\"no entry 9\"}"))) {
            LoopGrid grid = LoopGrid.builder().baseUrl(s.url()).maxRetries(0).build();
            LoopGridApiException e = assertThrows(LoopGridApiException.class, () -> grid.entryReceipt("svc 1/a", 9, Duration.ofMinutes(1)));
            assertEquals(404, e.status());
            assertEquals("/v1/entries/svc%201%2Fa/9/receipt?wait=20", s.requests.get(0).target());
            assertThrows(IllegalArgumentException.class, () -> grid.entryReceipt("svc", 0));
        }
    }

    @Test
    void logKey_isReadAsText() throws Exception {
        String vkey = fixture().get("vkey").asText();
        try (FakeServer s = new FakeServer(r -> new Respond(200, "text/plain; charset=utf-8", vkey + "\n", Map.of()))) {
            assertEquals(vkey, LoopGrid.builder().baseUrl(s.url()).build().logKey());
            assertEquals("/v1/log/key", s.requests.get(0).target());
        }
    }
}
