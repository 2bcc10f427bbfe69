package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.KeysCli;
import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A corpus of several hundred hostile requests, generated from a fixed seed, through the local HTTP front:
 * malformed and truncated JSON, deep nesting, huge strings, wrong types, duplicate keys, invalid UTF-8,
 * path traversal and odd ids, oversized header values, bad query parameters. Every answer must be a 4xx
 * with a string {@code detail} — never a 5xx — and the ledger must still verify afterwards.
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
