package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.KeysCli;
import dev.loopgrid.local.Main;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * A corpus of several hundred hostile requests, generated from a fixed seed, through the local HTTP front:
 * malformed and truncated JSON, deep nesting, huge strings, wrong types, duplicate keys, invalid UTF-8,
 * path traversal and odd ids, oversized header values, bad query parameters. Every answer must be a 4xx
 * with a string {@code detail} — never a 5xx — and the ledger must still verify afterwards.
 *
 * <p>Then one test per hostile case of issue 14, each asserting the exact status, {@code code} and {@code detail}:
 * slow and stalled connections (slowloris), the connection cap, idle connections, malformed request targets and
 * header lines sent as raw bytes, duplicate {@code Idempotency-Key}, unsupported {@code Content-Encoding}, tampered
 * and foreign list cursors, invisible or bidi-controlled names, and spreadsheet formulas in the CSV export.
 */
class HostileInputTest {
    private static final String VALID = "{\"service_name\": \"hostile\", \"decision_type\": \"t\", \"input\": {\"message\": \"hi\"},"
            + " \"model\": {\"provider\": \"openai\", \"name\": \"gpt-4\"}, \"output\": {\"response\": \"ok\"}}";

    private record Req(String method, String path, byte[] body, String contentType, String[] headers, String why) {}

    @Test
    void hostileCorpus_getsOnly4xxWithDetail_andTheLedgerStillVerifies() throws Exception {
        try (Main.Running stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            // given one honest decision to aim flags, corrections and replays at
            String id = Json.parse(send(client, stack.url(), new Req("POST", "/v1/decisions",
                    VALID.getBytes(StandardCharsets.UTF_8), "application/json", new String[0], "valid")).body())
                    .get("decision_id").asText();
            List<Req> corpus = corpus(new Random(20261123), id);
            assertTrue(corpus.size() >= 500, "corpus size " + corpus.size());

            // when
            List<String> failures = new ArrayList<>();
            for (Req r : corpus) {
                HttpResponse<String> resp = send(client, stack.url(), r);
                int s = resp.statusCode();
                JsonNode body = null;
                try {
                    body = Json.parse(resp.body());
                } catch (RuntimeException e) {
                    // reported below
                }
                boolean ok = s >= 400 && s < 500 && body != null && body.path("detail").isTextual()
                        && !body.get("detail").asText().isBlank();
                if (!ok) failures.add(r.why() + " " + r.method() + " " + abbreviate(r.path()) + " → " + s + " "
                        + abbreviate(resp.body()));
            }

            // then
            assertEquals(List.of(), failures, failures.size() + " of " + corpus.size() + " hostile requests misanswered");
            JsonNode v = Json.parse(send(client, stack.url(), new Req("GET", "/v1/integrity/verify", null, null,
                    new String[0], "verify")).body()).get("integrity");
            assertTrue(v.get("valid").asBoolean(), v.toString());
            assertEquals(1, v.get("decisions").asLong(), "no hostile request recorded a decision");
        }
    }

    @Test
    void hostileCredentials_withKeysRequired_getOnly401WithDetail_andWriteNothing() throws Exception {
        try (Main.Running stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0", "--require-keys"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            String admin = KeysCli.create(stack, "acme", "admin");
            Random rnd = new Random(20261124);
            List<String[]> creds = new ArrayList<>(List.of(
                    new String[0], new String[] {"Authorization", "Bearer"}, new String[] {"Authorization", "Bearer "},
                    new String[] {"Authorization", "bearer lg_"}, new String[] {"Authorization", "Bearer " + "A".repeat(10_000)},
                    new String[] {"Authorization", "Bearer lg_" + "A".repeat(43)}, new String[] {"Authorization", "Bearer lg_" + "-".repeat(43)},
                    new String[] {"Authorization", "Bearer " + admin.substring(0, admin.length() - 1)},
                    new String[] {"Authorization", "Bearer " + admin + "="}, new String[] {"Authorization", "Bearer " + admin.toUpperCase()},
                    new String[] {"Authorization", "Bearer " + admin + " extra"}, new String[] {"Authorization", "Basic YWRtaW46YWRtaW4="},
                    new String[] {"Authorization", "Digest username=\"admin\""}, new String[] {"Authorization", admin},
                    new String[] {"Authorization", "Bearer ${jndi:ldap://127.0.0.1/a}"}, new String[] {"X-Api-Key", "' OR 1=1 --"},
                    new String[] {"X-Api-Key", "../../../etc/passwd"}, new String[] {"X-Api-Key", "lg_" + "x".repeat(65_000)},
                    new String[] {"X-Api-Key", admin.substring(1)}, new String[] {"X-Api-Key", "lg_" + "A".repeat(42) + "%"},
                    new String[] {"Authorization", "Bearer " + admin, "X-Api-Key", "lg_" + "B".repeat(43)}));
            for (int i = 0; i < 10; i++) { // random well-formed keys that were never issued
                byte[] b = new byte[32];
                rnd.nextBytes(b);
                creds.add(new String[] {rnd.nextBoolean() ? "X-Api-Key" : "Authorization",
                        (rnd.nextBoolean() ? "" : "Bearer ") + "lg_" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b)});
            }
            String[][] routes = {{"POST", "/v1/decisions"}, {"GET", "/v1/decisions"}, {"GET", "/v1/integrity/verify"},
                                 {"POST", "/v1/admin/keys"}, {"DELETE", "/v1/admin/keys/key_AAAAAAAAAAAAAAAA"},
                                 {"GET", "/v1/export/decisions?format=csv"}};
            List<String> failures = new ArrayList<>();
            int sent = 0;
            for (String[] route : routes) {
                for (String[] cred : creds) {
                    byte[] body = route[0].equals("POST") ? (route[1].contains("admin") ? utf8("{\"role\": \"admin\"}")
                            : utf8(VALID)) : null;
                    HttpResponse<String> r = send(client, stack.url(), new Req(route[0], route[1], body,
                            body == null ? null : "application/json", cred, "hostile credentials"));
                    sent++;
                    JsonNode j = null;
                    try {
                        j = Json.parse(r.body());
                    } catch (RuntimeException e) {
                        // reported below
                    }
                    boolean ok = r.statusCode() == 401 && j != null && j.path("code").asText().equals("unauthorized")
                            && !j.path("detail").asText().isBlank() && !r.body().contains(admin);
                    if (!ok) failures.add(route[0] + " " + route[1] + " with " + abbreviate(String.join(" ", cred))
                            + " → " + r.statusCode() + " " + abbreviate(r.body()));
                }
            }
            assertTrue(sent >= 180, "sent " + sent);
            assertEquals(List.of(), failures, failures.size() + " of " + sent + " misanswered");
            // nothing was written by any of them; the admin key still works and sees an intact, empty ledger
            HttpResponse<String> v = send(client, stack.url(), new Req("GET", "/v1/integrity/verify", null, null,
                    new String[] {"Authorization", "Bearer " + admin}, "verify"));
            JsonNode integrity = Json.parse(v.body()).get("integrity");
            assertTrue(integrity.get("valid").asBoolean(), v.body());
            assertEquals(0, integrity.get("decisions").asLong());
            HttpResponse<String> keys = send(client, stack.url(), new Req("GET", "/v1/admin/keys", null, null,
                    new String[] {"X-Api-Key", admin}, "list"));
            assertEquals(1, Json.parse(keys.body()).get("total").asInt(), "no key was minted by a hostile request");
        }
    }

    // ------------------------------------------------------------------ issue 14: connections

    private static Main.Running stack(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--in-memory", "--port", "0"));
        args.addAll(List.of(extra));
        return Main.start(Main.parse(args.toArray(new String[0])),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private static int port(Main.Running stack) {
        return URI.create(stack.url()).getPort();
    }

    @Test
    void slowloris_partialHeadsNeitherStallTheFrontNorOutliveTheHeaderTimeout() throws Exception {
        try (Main.Running stack = stack("--header-timeout", "3")) {
            HttpTestClient http = new HttpTestClient(stack.url());
            http.get("/health").ok(200); // warm
            // given 120 connections that send a partial head and then drip one byte every 250 ms, and 30 that send nothing
            List<Socket> dripping = new ArrayList<>();
            List<Socket> silent = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < 120; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port(stack));
                s.getOutputStream().write(utf8("POST /v1/decisions HTTP/1.1\r\nHost: localhost\r\nX-Slow-" + i + ": "));
                s.getOutputStream().flush();
                dripping.add(s);
            }
            for (int i = 0; i < 30; i++) silent.add(new Socket(InetAddress.getLoopbackAddress(), port(stack)));
            AtomicBoolean drip = new AtomicBoolean(true);
            Thread dripper = new Thread(() -> {
                // drips until 2.5 s: an inactivity timeout of 3 s would then close them at 5.5 s, the deadline at 3 s
                while (drip.get() && System.nanoTime() - t0 < 2_500_000_000L) {
                    for (Socket s : dripping) {
                        try {
                            s.getOutputStream().write('a');
                            s.getOutputStream().flush();
                        } catch (IOException e) {
                            // closed by the server: fine
                        }
                    }
                    try {
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            dripper.start();
            try {
                // when /health, a record and a list are asked meanwhile, they are answered promptly
                long worst = 0;
                for (int i = 0; i < 10; i++) {
                    long a = System.nanoTime();
                    http.get("/health").ok(200);
                    worst = Math.max(worst, System.nanoTime() - a);
                }
                long a = System.nanoTime();
                http.post("/v1/decisions", VALID).ok(201);
                http.get("/v1/decisions?page_size=1").ok(200);
                long normal = System.nanoTime() - a;
                long elapsed = System.nanoTime() - t0;
                System.out.printf(Locale.ROOT, "slowloris: 120 dripping + 30 silent sockets; worst /health %.1f ms,"
                        + " record + list %.1f ms, all within %.0f ms of opening them%n", worst / 1e6, normal / 1e6,
                        elapsed / 1e6);
                assertTrue(worst < 1_000_000_000L, "worst /health took " + worst / 1_000_000 + " ms");
                assertTrue(normal < 2_000_000_000L, "record + list took " + normal / 1_000_000 + " ms");
                assertTrue(elapsed < 2_500_000_000L, "the prompt answers came while the slow sockets were open");

                // then every dripping socket gets 408 request_timeout and is closed, by the 3 s deadline, not 5.5 s
                for (Socket s : dripping) {
                    s.setSoTimeout(6000);
                    Raw r = readRaw(s.getInputStream());
                    assertEquals(408, r.status(), r.head());
                    assertEquals("request_timeout", r.json().path("code").asText(), r.body());
                    assertTrue(r.json().path("detail").asText().contains("within 3 s"), r.body());
                    assertEquals(-1, readOrEof(s), "closed after the 408");
                }
                for (Socket s : silent) {
                    s.setSoTimeout(6000);
                    assertEquals(-1, readOrEof(s), "a silent connection is closed without an answer");
                }
                long closedBy = System.nanoTime() - t0;
                System.out.printf(Locale.ROOT, "slowloris: all 150 closed %.0f ms after opening%n", closedBy / 1e6);
                assertTrue(closedBy < 5_000_000_000L, "closed after " + closedBy / 1_000_000 + " ms");
                http.get("/health").ok(200);
            } finally {
                drip.set(false);
                dripper.join();
                for (Socket s : dripping) s.close();
                for (Socket s : silent) s.close();
            }
        }
    }

    @Test
    void connectionCap_refusesTheConnectionBeyondItWithJson503_andRecovers() throws Exception {
        try (Main.Running stack = stack("--max-connections", "8")) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) held.add(new Socket(InetAddress.getLoopbackAddress(), port(stack)));
                Thread.sleep(300); // accepted
                Raw r = rawRequest(port(stack), utf8("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"));
                assertEquals(503, r.status(), r.head());
                assertEquals("too_many_connections", r.json().path("code").asText(), r.body());
                assertTrue(r.json().path("detail").asText().contains("8 connections"), r.body());
                assertTrue(r.head().toLowerCase(Locale.ROOT).contains("retry-after: 1"), r.head());
            } finally {
                for (Socket s : held) s.close();
            }
            long deadline = System.currentTimeMillis() + 5000;
            int status = 0;
            while (status != 200 && System.currentTimeMillis() < deadline) {
                status = rawRequest(port(stack), utf8("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")).status();
                if (status != 200) Thread.sleep(50);
            }
            assertEquals(200, status, "served again once the held connections closed");
        }
    }

    @Test
    void keptAliveConnection_isClosedAfterTheIdleTimeout() throws Exception {
        try (Main.Running stack = stack("--idle-timeout", "1");
             Socket s = new Socket(InetAddress.getLoopbackAddress(), port(stack))) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(utf8("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"));
            s.getOutputStream().flush();
            assertEquals(200, readRaw(s.getInputStream()).status());
            long a = System.nanoTime();
            assertEquals(-1, readOrEof(s));
            long ms = (System.nanoTime() - a) / 1_000_000;
            assertTrue(ms >= 700 && ms < 3000, "closed after " + ms + " ms idle");
        }
    }

    // ------------------------------------------------------------------ issue 14: request heads as raw bytes

    @Test
    void malformedTargets_getJson400WithDetail_notTheJdkHtmlPage() throws Exception {
        try (Main.Running stack = stack()) {
            Object[][] cases = {
                    {"GET /v1/decisions/%zz HTTP/1.1", "malformed percent-escape"},
                    {"GET /v1/decisions/dec_%4 HTTP/1.1", "malformed percent-escape"},
                    {"GET /v1/decisions?service_name=%G1 HTTP/1.1", "malformed percent-escape"},
                    {"GET /v1/decisions?service_name=a% HTTP/1.1", "malformed percent-escape"},
                    {"GET /v1/decisions/d\u00e9c HTTP/1.1", "raw non-ASCII"},
                    {"GET /v1/decisions?service_name=caf\u00e9 HTTP/1.1", "raw non-ASCII"},
                    {"GET /v1/decisions/\u202edec HTTP/1.1", "raw non-ASCII"},
                    {"GET /v1/decisions/%FF%FE HTTP/1.1", "not valid percent-encoded UTF-8"},
                    {"GET /v1/decisions?service_name=%C3%28 HTTP/1.1", "not valid percent-encoded UTF-8"},
                    {"GET /v1/decisions/a\"b HTTP/1.1", "not a valid URI path"},
                    {"GET v1/decisions HTTP/1.1", "must be a path starting with /"},
                    {"GET  /health HTTP/1.1", "request line must be"},
            };
            for (Object[] c : cases) {
                Raw r = rawRequest(port(stack), utf8(c[0] + "\r\nHost: localhost\r\n\r\n"));
                assertJsonError(r, 400, "malformed_request", (String) c[1], (String) c[0]);
            }
            Raw v = rawRequest(port(stack), utf8("GET /health HTTP/2.0\r\nHost: localhost\r\n\r\n"));
            assertJsonError(v, 505, "http_version_not_supported", "HTTP/1.1", "HTTP/2.0");
        }
    }

    @Test
    void crOrLfInsideAHeaderValue_andAmbiguousFraming_areJson400() throws Exception {
        try (Main.Running stack = stack()) {
            String post = "POST /v1/decisions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n";
            String[][] cases = {
                    {post + "X-Note: a\rIdempotency-Key: smuggled\r\nContent-Length: 2\r\n\r\n{}", "malformed_request", "bare CR"},
                    {post + "X-Note: a\nIdempotency-Key: smuggled\r\nContent-Length: 2\r\n\r\n{}", "malformed_request", "bare LF"},
                    {post + "X-Note: a\r\n folded\r\nContent-Length: 2\r\n\r\n{}", "invalid_header", "line folding"},
                    {post + "X-Note: a\u0000b\r\nContent-Length: 2\r\n\r\n{}", "invalid_header", "control character"},
                    {post + "Bad Name: x\r\nContent-Length: 2\r\n\r\n{}", "invalid_header", "token name"},
                    {post + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}", "invalid_header", "both Transfer-Encoding and Content-Length"},
                    {post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "invalid_header", "one whole number"},
                    {post + "Content-Length: -2\r\n\r\n{}", "invalid_header", "one whole number"},
                    {post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "invalid_header", "Transfer-Encoding"},
            };
            for (String[] c : cases) {
                Raw r = rawRequest(port(stack), utf8(c[0]));
                assertJsonError(r, 400, c[1], c[2], c[0]);
            }
            Raw big = rawRequest(port(stack), utf8("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: "
                    + "b".repeat(400 * 1024) + "\r\n\r\n"));
            assertJsonError(big, 431, "headers_too_large", "larger than", "400 KiB header");
            assertEquals(0, new HttpTestClient(stack.url()).get("/v1/decisions").json().get("total").asInt(),
                    "no refused head recorded anything");
        }
    }

    @Test
    void duplicateIdempotencyKey_is400_andRecordsNothing() throws Exception {
        try (Main.Running stack = stack()) {
            HttpTestClient http = new HttpTestClient(stack.url());
            for (String[] keys : new String[][] {{"a", "b"}, {"same", "same"}}) {
                HttpTestClient.Resp r = http.post("/v1/decisions", VALID, "Idempotency-Key", keys[0],
                        "Idempotency-Key", keys[1]);
                JsonNode e = r.error(400, "duplicate_header");
                assertEquals("Idempotency-Key was sent 2 times; send it once", e.get("detail").asText());
            }
            // the same through a raw head with the name in two spellings
            Raw raw = rawRequest(port(stack), utf8("POST /v1/decisions HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nIdempotency-Key: k1\r\nidempotency-key: k2\r\nContent-Length: "
                    + utf8(VALID).length + "\r\n\r\n" + VALID));
            assertJsonError(raw, 400, "duplicate_header", "sent 2 times", "two spellings");
            assertEquals(0, http.get("/v1/decisions").json().get("total").asInt());
            http.post("/v1/decisions", VALID, "Idempotency-Key", "once").ok(201);
        }
    }

    @Test
    void unsupportedContentEncoding_is415_whileOtlpStillTakesGzip() throws Exception {
        try (Main.Running stack = stack()) {
            HttpTestClient http = new HttpTestClient(stack.url());
            for (String coding : new String[] {"br", "gzip", "deflate", "gzip, gzip", "compress"}) {
                JsonNode e = http.post("/v1/decisions", VALID, "Content-Encoding", coding)
                        .error(415, "unsupported_media_type");
                assertEquals("Content-Encoding \"" + coding + "\" is not supported here; send the body without"
                        + " Content-Encoding (or identity)", e.get("detail").asText());
            }
            http.post("/v1/decisions", VALID, "Content-Encoding", "identity").ok(201);
            // OTLP: gzip (as exporters send it) is decoded; other codings are 415
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
                z.write(utf8(AuthEndToEndTest.OTLP_SPAN));
            }
            HttpTestClient.Resp otlp = http.send("POST", "/v1/traces", HttpRequest.BodyPublishers.ofByteArray(gz.toByteArray()),
                    "application/json", "Content-Encoding", "gzip");
            assertEquals(1, otlp.ok(200).at("/loopgrid/recorded").asInt(), otlp.body());
            for (String coding : new String[] {"br", "gzip, gzip"}) {
                JsonNode e = http.send("POST", "/v1/traces", HttpRequest.BodyPublishers.ofString(AuthEndToEndTest.OTLP_SPAN),
                        "application/json", "Content-Encoding", coding).error(415, "unsupported_media_type");
                assertEquals("Content-Encoding \"" + coding + "\" is not supported; send gzip or no Content-Encoding",
                        e.get("detail").asText());
                assertEquals(e.get("detail").asText(), e.get("message").asText(), "OTLP's Status message beside detail");
            }
        }
    }

    // ------------------------------------------------------------------ issue 14: cursors

    @Test
    void tamperedOrForeignCursors_are400InvalidCursor_onEveryListEndpoint() throws Exception {
        try (Main.Running stack = stack("--require-keys")) {
            String acme = KeysCli.create(stack, "acme", "admin");
            String beta = KeysCli.create(stack, "beta", "admin");
            HttpTestClient http = new HttpTestClient(stack.url());
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(http.post("/v1/decisions", VALID, "X-Api-Key", acme).ok(201).get("decision_id").asText());
            }
            String betaDecision = http.post("/v1/decisions", VALID, "X-Api-Key", beta).ok(201).get("decision_id").asText();

            // GET /v1/decisions
            String list = "/v1/decisions?page_size=1";
            String c1 = get(http, list, acme).ok(200).get("next_cursor").asText();
            assertEquals(ids.get(1), get(http, list + "&cursor=" + c1, acme).ok(200).at("/decisions/0/decision_id").asText());
            ObjectNode c = (ObjectNode) cursorJson(c1);
            List<String> tampered = new ArrayList<>(List.of(
                    cursor(c.deepCopy().put("l", "garbage")),
                    cursor(c.deepCopy().put("l", c.get("l").asText().replace("#dec_", "#DEC#acme#"))),
                    cursor(c.deepCopy().put("n", -1)),
                    cursor(c.deepCopy().put("n", "x")),
                    cursor(Json.object().put("l", c.get("l").asText())),
                    // a plausible edit: another (unknown) decision id, or another time, in the same list
                    cursor(c.deepCopy().put("l", c.get("l").asText().replaceAll("#dec_.", "#dec_" + (c.get("l").asText()
                            .contains("#dec_A") ? "B" : "A")))),
                    cursor(c.deepCopy().put("l", "2030" + c.get("l").asText().substring(4))),
                    cursor(c.deepCopy().put("extra", 1)),
                    c1 + "AAAA", "not-a-cursor", "A".repeat(2000)));
            // a cursor of the old shape, naming another tenant's key
            ObjectNode old = Json.object();
            old.putObject("k").put("pk", "DEC#beta#" + betaDecision).put("sk", "DEC").put("g_all", "beta")
                    .put("lsk", "2026-01-01T00:00:00.000Z#" + betaDecision);
            old.put("n", 1).put("f", c.get("f").asText());
            tampered.add(cursor(old));
            for (String t : tampered) {
                assertInvalidCursor(get(http, list + "&cursor=" + t, acme), "pass next_cursor from a previous page unchanged", t);
            }
            // another tenant's cursor, or one whose fingerprint was edited
            assertInvalidCursor(get(http, list + "&cursor=" + c1, beta), "another tenant", "foreign list cursor");
            assertInvalidCursor(get(http, list + "&cursor=" + cursor(c.deepCopy().put("f", "0000000000000000")), acme),
                    "another tenant", "edited fingerprint");
            assertInvalidCursor(get(http, "/v1/decisions?page_size=1&status=recorded&cursor=" + c1, acme),
                    "other filters", "cursor of other filters");
            // a well-formed key outside the list's time range (DynamoDB would refuse it: was 503)
            String since = "/v1/decisions?page_size=1&since=2020-01-01T00:00:00.000Z";
            ObjectNode cs = (ObjectNode) cursorJson(get(http, since, acme).ok(200).get("next_cursor").asText());
            cs.put("l", "2019-01-01T00:00:00.000Z#" + ids.get(0));
            assertInvalidCursor(get(http, since + "&cursor=" + cursor(cs), acme), "unchanged", "sort key before since");

            // GET /v1/export/decisions
            String export = "/v1/export/decisions?page_size=1";
            String e1 = get(http, export, acme).ok(200).get("next_cursor").asText();
            get(http, export + "&cursor=" + e1, acme).ok(200);
            assertInvalidCursor(get(http, export + "&cursor=" + e1, beta), "another tenant", "foreign export cursor");
            ObjectNode e = (ObjectNode) cursorJson(e1);
            for (String t : List.of(cursor(e.deepCopy().put("s", "garbage")), cursor(e.deepCopy().put("o", 5000)),
                    cursor(e.deepCopy().put("o", "0")), cursor(e.deepCopy().put("x", 1)), e1 + "x")) {
                assertInvalidCursor(get(http, export + "&cursor=" + t, acme), "unchanged", t);
            }

            // GET /v1/decisions/{id}/replays
            String decision = ids.get(0);
            for (int i = 0; i < 2; i++) {
                http.post("/v1/replays", "{\"decision_id\": \"" + decision + "\"}", "X-Api-Key", acme).ok(202);
            }
            http.post("/v1/replays", "{\"decision_id\": \"" + betaDecision + "\"}", "X-Api-Key", beta).ok(202);
            String replays = "/v1/decisions/" + decision + "/replays?page_size=1";
            String r1 = get(http, replays, acme).ok(200).get("next_cursor").asText();
            assertEquals(1, get(http, replays + "&cursor=" + r1, acme).ok(200).get("replays").size());
            assertInvalidCursor(get(http, "/v1/decisions/" + betaDecision + "/replays?page_size=1&cursor=" + r1, beta),
                    "another decision or tenant", "foreign replay cursor");
            assertInvalidCursor(get(http, "/v1/decisions/" + ids.get(1) + "/replays?page_size=1&cursor=" + r1, acme),
                    "another decision or tenant", "another decision's replay cursor");
            ObjectNode rc = (ObjectNode) cursorJson(r1);
            for (String t : List.of(cursor(rc.deepCopy().put("k", "DEC")), cursor(rc.deepCopy().put("k", rc.get("k").asText()
                    + "x".repeat(400))), cursor(rc.deepCopy().put("k", rc.get("k").asText() + "\u0001")),
                    cursor(rc.deepCopy().put("k", rc.get("k").asText().replaceAll("#rep_.", "#rep_" + (rc.get("k").asText()
                            .contains("#rep_A") ? "B" : "A")))),
                    Base64.getUrlEncoder().withoutPadding().encodeToString(utf8(rc.get("k").asText())))) {
                assertInvalidCursor(get(http, replays + "&cursor=" + t, acme), "unchanged", t);
            }
        }
    }

    private static HttpTestClient.Resp get(HttpTestClient http, String path, String key) {
        return http.send("GET", path, HttpRequest.BodyPublishers.noBody(), null, "X-Api-Key", key);
    }

    private static JsonNode cursorJson(String cursor) {
        return Json.parse(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8));
    }

    private static String cursor(JsonNode json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(utf8(Json.write(json)));
    }

    private static void assertInvalidCursor(HttpTestClient.Resp r, String detailPart, String why) {
        assertEquals(400, r.status(), why + " → " + r.body());
        assertEquals("invalid_cursor", r.json().get("code").asText(), why + " → " + r.body());
        assertTrue(r.json().get("detail").asText().contains(detailPart), why + " → " + r.body());
    }

    // ------------------------------------------------------------------ issue 14: names

    private static final String INVISIBLE = "must contain a visible character (got only invisible, zero-width or format"
            + " characters)";

    @Test
    void invisibleOrBidiNames_are422_nfcNamesAreOneChain_andOtlpSpansWithThemAreRejected() throws Exception {
        try (Main.Running stack = stack()) {
            HttpTestClient http = new HttpTestClient(stack.url());
            String[][] cases = {
                    {"service_name", "\u200b\u200d\ufeff", INVISIBLE},
                    {"service_name", "\u2060\u180e \u3164", INVISIBLE},
                    {"service_name", "pay\u202Emuts", "must not contain bidirectional control characters (found U+202E)"},
                    {"decision_type", "\u2066reply\u2069", "must not contain bidirectional control characters (found U+2066)"},
                    {"decision_type", "\u200e", "must not contain bidirectional control characters (found U+200E)"},
                    {"model.provider", "\u200b", INVISIBLE},
                    {"model.name", "gpt\u061c4", "must not contain bidirectional control characters (found U+061C)"},
            };
            for (String[] c : cases) {
                ObjectNode body = (ObjectNode) Json.parse(VALID);
                if (c[0].startsWith("model.")) ((ObjectNode) body.get("model")).put(c[0].substring(6), c[1]);
                else body.put(c[0], c[1]);
                JsonNode e = http.post("/v1/decisions", Json.write(body)).error(422, "validation_failed");
                assertEquals(c[0], e.at("/errors/0/field").asText(), e.toString());
                assertEquals(c[2], e.at("/errors/0/message").asText(), e.toString());
                assertEquals("Validation failed: " + c[0] + " " + c[2], e.get("detail").asText());
            }
            // NFC: decomposed and precomposed are one name, one chain
            JsonNode a = http.post("/v1/decisions", VALID.replace("\"hostile\"", "\"Cafe\u0301\"")
                    .replace("\"gpt-4\"", "\"gpt-4-Cafe\u0301\"")).ok(201);
            JsonNode b = http.post("/v1/decisions", VALID.replace("\"hostile\"", "\"Caf\u00e9\"")).ok(201);
            assertEquals("Caf\u00e9", a.get("service_name").asText());
            assertEquals("gpt-4-Caf\u00e9", a.at("/model/name").asText());
            assertEquals("Caf\u00e9", b.get("chain_id").asText());
            assertEquals(a.get("chain_id").asText(), b.get("chain_id").asText());
            assertEquals(2, b.get("sequence").asInt());
            assertEquals(2, http.get("/v1/decisions?service_name=Cafe%CC%81").json().get("total").asInt());
            assertEquals(0, http.get("/v1/decisions").json().get("total").asInt() - 2, "nothing else was recorded");
            // OTLP: such a span is counted as rejected, with the reason, and the rest of the request goes on
            String span = AuthEndToEndTest.OTLP_SPAN.replace("{\"key\": \"gen_ai.operation.name\"",
                    "{\"key\": \"loopgrid.service_name\", \"value\": {\"stringValue\": \"\\u200b\\u200c\"}},"
                            + "{\"key\": \"gen_ai.operation.name\"");
            JsonNode o = http.send("POST", "/v1/traces", HttpRequest.BodyPublishers.ofString(span), "application/json").ok(200);
            assertEquals(1, o.at("/loopgrid/rejected").asInt(), o.toString());
            assertEquals(0, o.at("/loopgrid/recorded").asInt(), o.toString());
            assertTrue(o.toString().contains("service_name must contain a visible character"), o.toString());
            assertEquals(1, o.at("/partialSuccess/rejectedSpans").asInt(), o.toString());
        }
    }

    // ------------------------------------------------------------------ issue 14: CSV export

    @Test
    void csvExport_isFormulaSafeByDefault_andRawTrueWritesEveryCellExactly() throws Exception {
        try (Main.Running stack = stack()) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpTestClient http = new HttpTestClient(stack.url());
            String[] services = {"=HYPERLINK(\"http://evil.example\",\"click\")", "+1", "-1", "@SUM(1+1)"};
            List<String> ids = new ArrayList<>();
            for (String svc : services) {
                ObjectNode body = (ObjectNode) Json.parse(VALID);
                body.put("service_name", svc);
                ids.add(http.post("/v1/decisions", Json.write(body)).ok(201).get("decision_id").asText());
            }
            http.post("/v1/decisions/" + ids.get(0) + "/incorrect", "{\"reason\": \"\\t=1+2\"}").ok(200);
            http.post("/v1/decisions/" + ids.get(1) + "/correction",
                    "{\"correction\": {\"response\": \"x\"}, \"corrected_by\": \"-2\", \"notes\": \"\\r=3\"}").ok(200);

            String safe = csv(client, stack.url(), "");
            assertTrue(safe.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\","), safe);
            assertTrue(safe.contains(",'+1,") && safe.contains(",'-1,") && safe.contains(",'@SUM(1+1),"), safe);
            assertTrue(safe.contains(",'\t=1+2,"), safe);
            assertTrue(safe.contains(",'-2,") && safe.contains(",\"'\r=3\","), safe);

            String raw = csv(client, stack.url(), "&raw=true");
            assertTrue(raw.contains(",\"=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\","), raw);
            assertTrue(raw.contains(",+1,") && raw.contains(",-1,") && raw.contains(",@SUM(1+1),"), raw);
            assertTrue(raw.contains(",\t=1+2,") && raw.contains(",-2,") && raw.contains(",\"\r=3\","), raw);
            assertFalse(raw.contains("'"), "no cell was prefixed");
            assertEquals(raw, csv(client, stack.url(), "&formula_safe=false"), "formula_safe=false is raw=true's older name");
            assertEquals(safe, csv(client, stack.url(), "&raw=false"));
            assertEquals(safe, csv(client, stack.url(), "&formula_safe=true"));

            for (String[] bad : new String[][] {{"&raw=maybe", "Query parameter raw must be true or false"},
                    {"&raw=1", "Query parameter raw must be true or false"},
                    {"&raw=true&formula_safe=true", "contradict each other"},
                    {"&raw=false&formula_safe=false", "contradict each other"}}) {
                JsonNode e = http.get("/v1/export/decisions?format=csv" + bad[0]).error(400, "invalid_parameter");
                assertTrue(e.get("detail").asText().contains(bad[1]), e.toString());
            }
        }
    }

    private static String csv(HttpClient client, String base, String query) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/export/decisions?format=csv"
                + query)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
        return r.body();
    }

    // ------------------------------------------------------------------ raw HTTP

    /** One raw response: status, head text, body, and the body as JSON (null when it is not). */
    private record Raw(int status, String head, String body, JsonNode json) {}

    private static Raw rawRequest(int port, byte[] request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            return readRaw(s.getInputStream());
        }
    }

    private static Raw readRaw(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) throw new IOException("connection closed before a complete response head: " + head);
            head.write(c);
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (c == '\r' ? 1 : 0);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
        JsonNode json = null;
        try {
            json = Json.parse(body);
        } catch (RuntimeException e) {
            // not JSON: the assertions say so
        }
        return new Raw(Integer.parseInt(h.substring(9, 12)), h, body, json);
    }

    /** The next byte, or -1 at the end of the stream (also when the server reset the closed connection). */
    private static int readOrEof(Socket s) throws IOException {
        try {
            return s.getInputStream().read();
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            return -1; // reset after close
        }
    }

    private static void assertJsonError(Raw r, int status, String code, String detailPart, String why) {
        assertEquals(status, r.status(), why + " → " + r.head() + r.body());
        assertTrue(r.head().toLowerCase(Locale.ROOT).contains("content-type: application/json"), why + " → " + r.head());
        assertNotNull(r.json(), why + " → not JSON: " + r.body());
        assertEquals(code, r.json().path("code").asText(), why + " → " + r.body());
        assertTrue(r.json().path("detail").asText().contains(detailPart), why + " → " + r.body());
    }

    private static HttpResponse<String> send(HttpClient client, String base, Req r) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + r.path())).timeout(Duration.ofSeconds(60))
                .method(r.method(), r.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(r.body()));
        if (r.contentType() != null) b.header("Content-Type", r.contentType());
        for (int i = 0; i + 1 < r.headers().length; i += 2) b.header(r.headers()[i], r.headers()[i + 1]);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String abbreviate(String s) {
        return s == null ? "null" : s.length() > 160 ? s.substring(0, 160) + "…" : s;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<Req> corpus(Random rnd, String id) {
        List<Req> out = new ArrayList<>();
        String[] none = new String[0];
        String[] posts = {"/v1/decisions", "/v1/decisions/" + id + "/correction", "/v1/replays"};
        // truncated JSON at every kind of position
        for (int i = 0; i < 120; i++) {
            String p = posts[i % posts.length];
            int cut = 1 + rnd.nextInt(VALID.length() - 2);
            out.add(new Req("POST", p, utf8(VALID.substring(0, cut)), "application/json", none, "truncated"));
        }
        // random bytes, including invalid UTF-8
        for (int i = 0; i < 60; i++) {
            byte[] b = new byte[1 + rnd.nextInt(200)];
            rnd.nextBytes(b);
            out.add(new Req("POST", posts[i % posts.length], b, "application/json", none, "random bytes"));
        }
        byte[][] badUtf8 = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                            {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}};
        for (byte[] bad : badUtf8) {
            for (String p : posts) {
                byte[] pre = utf8("{\"service_name\": \"");
                byte[] post = utf8("\", \"decision_type\": \"t\", \"input\": {}, \"model\": {}, \"output\": {}}");
                byte[] all = new byte[pre.length + bad.length + post.length];
                System.arraycopy(pre, 0, all, 0, pre.length);
                System.arraycopy(bad, 0, all, pre.length, bad.length);
                System.arraycopy(post, 0, all, pre.length + bad.length, post.length);
                out.add(new Req("POST", p, all, "application/json", none, "invalid utf-8"));
            }
        }
        // deep nesting
        for (int depth : new int[] {65, 100, 1000, 5000, 20000}) {
            String deep = "[".repeat(depth) + "]".repeat(depth);
            out.add(new Req("POST", "/v1/decisions", utf8(VALID.replace("{\"message\": \"hi\"}", "{\"x\": " + deep + "}")),
                    "application/json", none, "deep nesting " + depth));
            out.add(new Req("POST", "/v1/replays", utf8("{\"decision_id\": \"" + id + "\", \"overrides\": {\"input\": {\"x\": " + deep + "}}}"),
                    "application/json", none, "deep nesting " + depth));
        }
        // huge strings and numbers
        for (int n : new int[] {101, 1000, 100_000}) {
            out.add(new Req("POST", "/v1/decisions", utf8(VALID.replace("\"hostile\"", "\"" + "s".repeat(n) + "\"")),
                    "application/json", none, "long service_name " + n));
            out.add(new Req("POST", "/v1/decisions", utf8(VALID.replace("\"t\"", "\"" + "t".repeat(n) + "\"")),
                    "application/json", none, "long decision_type " + n));
        }
        // above the inline limit goes to the content store; above the largest decision (5 MiB) is refused
        out.add(new Req("POST", "/v1/decisions", utf8(VALID.replace("\"hi\"", "\""
                + "x".repeat(dev.loopgrid.core.decision.DecisionService.DEFAULT_MAX_DECISION_BYTES) + "\"")),
                "application/json", none, "content over the largest decision"));
        out.add(new Req("POST", "/v1/decisions", utf8(VALID.replace("\"hi\"", "1e999999")), "application/json", none, "huge number"));
        out.add(new Req("POST", "/v1/decisions", utf8(VALID.replace("\"hi\"", "1" + "0".repeat(2000))), "application/json", none, "long number"));
        // wrong types, every field
        String[] fields = {"service_name", "decision_type", "input", "model", "output", "prompt", "tool_calls", "metadata"};
        String[] wrong = {"1", "true", "[]", "\"str\"", "{}", "[1,2]", "-0.5", "[{}, 1]"};
        for (String f : fields) {
            for (String w : wrong) {
                JsonNode base = Json.parse(VALID);
                com.fasterxml.jackson.databind.node.ObjectNode o = (com.fasterxml.jackson.databind.node.ObjectNode) base;
                o.set(f, Json.parse(w));
                String text = Json.write(o);
                boolean stillValid = (f.equals("service_name") || f.equals("decision_type")) ? w.equals("\"str\"")
                        : (f.equals("input") || f.equals("model") || f.equals("output") || f.equals("prompt")
                           || f.equals("metadata")) ? w.equals("{}")
                        : f.equals("tool_calls") && w.equals("[]");
                if (!stillValid) out.add(new Req("POST", "/v1/decisions", utf8(text), "application/json", none, "wrong type " + f + "=" + w));
            }
        }
        // missing each required field
        for (String f : new String[] {"service_name", "decision_type", "input", "model", "output"}) {
            com.fasterxml.jackson.databind.node.ObjectNode o = (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse(VALID);
            o.remove(f);
            out.add(new Req("POST", "/v1/decisions", utf8(Json.write(o)), "application/json", none, "missing " + f));
        }
        // duplicate keys
        for (String p : posts) {
            out.add(new Req("POST", p, utf8("{\"service_name\": \"a\", \"service_name\": \"b\", \"decision_id\": \"x\", \"decision_id\": \"y\"}"),
                    "application/json", none, "duplicate keys"));
        }
        out.add(new Req("POST", "/v1/decisions", utf8(VALID.replace("{\"message\": \"hi\"}", "{\"a\": 1, \"a\": 2}")),
                "application/json", none, "nested duplicate keys"));
        // not objects at the top
        for (String top : new String[] {"[]", "null", "1", "\"s\"", "true", "[" + VALID + "]"}) {
            for (String p : posts) out.add(new Req("POST", p, utf8(top), "application/json", none, "top-level " + top));
        }
        // empty bodies, wrong content types
        for (String p : posts) {
            out.add(new Req("POST", p, new byte[0], "application/json", none, "empty body"));
            out.add(new Req("POST", p, utf8("   "), "application/json", none, "blank body"));
            for (String ct : new String[] {"text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"}) {
                out.add(new Req("POST", p, utf8(VALID), ct, none, "content type " + ct));
            }
        }
        // path traversal and odd ids
        String[] ids = {"..%2F..%2Fetc%2Fpasswd", "%00", "dec_" + "a".repeat(5000), "%F0%9F%98%80", "..", "%2e%2e",
                        "dec_x%0d%0aSet-Cookie:%20a=b", "'%20OR%201=1--", "%3Cscript%3E", "CHAIN%23local%23hostile"};
        for (String bad : ids) {
            out.add(new Req("GET", "/v1/decisions/" + bad, null, null, none, "odd id"));
            out.add(new Req("POST", "/v1/decisions/" + bad + "/incorrect", utf8("{}"), "application/json", none, "odd id"));
            out.add(new Req("POST", "/v1/decisions/" + bad + "/correction",
                    utf8("{\"correction\": {}, \"corrected_by\": \"x\"}"), "application/json", none, "odd id"));
            out.add(new Req("GET", "/v1/replays/" + bad, null, null, none, "odd id"));
            out.add(new Req("GET", "/v1/decisions/" + id + "/compare/" + bad, null, null, none, "odd id"));
            out.add(new Req("GET", "/v1/decisions/" + bad + "/compare/rep_x", null, null, none, "odd id"));
        }
        // oversized / invalid header values
        // (a non-ASCII key cannot be sent: the JDK client turns it into '?', which is a valid key)
        for (String key : new String[] {"k".repeat(129), "k".repeat(8000), "with space", "tab\tkey", ""}) {
            out.add(new Req("POST", "/v1/decisions", utf8(VALID), "application/json",
                    new String[] {"Idempotency-Key", key}, "bad idempotency key [" + abbreviate(key) + "]"));
        }
        // bad query parameters
        String[] q = {"page_size=0", "page_size=101", "page_size=-1", "page_size=abc", "page=0", "page=-5",
                      "page=99999999999", "status=wrong", "status=", "since=yesterday", "until=2026-13-45",
                      "cursor=not-a-cursor", "cursor=" + "A".repeat(3000), "service_name=" + "s".repeat(500),
                      "decision_type=" + "t".repeat(500), "since=2026-11-23T25:00:00Z", "page_size=1e3"};
        for (String qs : q) {
            boolean blankStatus = qs.equals("status=");
            if (!blankStatus) out.add(new Req("GET", "/v1/decisions?" + qs, null, null, none, "bad query"));
        }
        for (String qs : new String[] {"wait=21", "wait=-1", "wait=abc"}) {
            out.add(new Req("POST", "/v1/replays?" + qs, utf8("{\"decision_id\": \"" + id + "\"}"), "application/json",
                    none, "bad wait"));
        }
        // verdicts with wrong shapes
        for (String b : new String[] {"{\"reason\": 1}", "{\"reason\": {}}", "{\"reason\": \"" + "r".repeat(10_001) + "\"}", "[]"}) {
            out.add(new Req("POST", "/v1/decisions/" + id + "/incorrect", utf8(b), "application/json", none, "bad flag"));
        }
        for (String b : new String[] {"{}", "{\"correction\": 1, \"corrected_by\": \"x\"}", "{\"correction\": {}}",
                                      "{\"correction\": {}, \"corrected_by\": 5}", "{\"correction\": {}, \"corrected_by\": \"\"}",
                                      "{\"correction\": {}, \"corrected_by\": \"x\", \"notes\": []}"}) {
            out.add(new Req("POST", "/v1/decisions/" + id + "/correction", utf8(b), "application/json", none, "bad correction"));
        }
        // unknown routes and methods
        for (String p : new String[] {"/v2/decisions", "/v1/decisions/" + id + "/nope", "/etc/passwd", "/v1/../v1/decisions"}) {
            out.add(new Req("GET", p, null, null, none, "unknown route"));
        }
        out.add(new Req("DELETE", "/v1/decisions/" + id, null, null, none, "wrong method"));
        out.add(new Req("PUT", "/v1/decisions", utf8(VALID), "application/json", none, "wrong method"));
        // random mutations of a valid body that keep it JSON but break the schema
        for (int i = 0; out.size() < 560; i++) {
            com.fasterxml.jackson.databind.node.ObjectNode o = (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse(VALID);
            String f = fields[rnd.nextInt(5)];
            o.set(f, Json.parse(wrong[rnd.nextInt(4)]));
            if (f.equals("service_name") || f.equals("decision_type")) o.put(f, rnd.nextBoolean() ? "" : "\u0001ctl");
            out.add(new Req("POST", "/v1/decisions", utf8(Json.write(o)), "application/json", none, "mutation " + i));
        }
        return out;
    }
}
