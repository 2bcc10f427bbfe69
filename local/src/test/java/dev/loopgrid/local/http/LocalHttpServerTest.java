package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.Routes;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.LocalHttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP front itself, over test routes that echo the event they receive: routing, the event API
 * Gateway would build, and the answers the front gives on its own (404, 405, 400, 413, 500).
 */
class LocalHttpServerTest {
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /** Answers with the event it got (bodies longer than 1000 characters only by length). */
    static final class EchoHandler extends ApiHandler {
        EchoHandler(App app) {
            super("local");
        }

        @Override
        protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent e) {
            ObjectNode o = Json.object();
            o.put("httpMethod", e.getHttpMethod());
            o.put("resource", e.getResource());
            o.put("path", e.getPath());
            o.set("pathParameters", Json.MAPPER.valueToTree(e.getPathParameters()));
            o.set("queryStringParameters", Json.MAPPER.valueToTree(e.getQueryStringParameters()));
            o.set("multiValueQueryStringParameters", Json.MAPPER.valueToTree(e.getMultiValueQueryStringParameters()));
            o.set("headers", Json.MAPPER.valueToTree(e.getHeaders()));
            o.set("multiValueHeaders", Json.MAPPER.valueToTree(e.getMultiValueHeaders()));
            String body = e.getBody();
            o.put("body", body == null || body.length() > 1000 ? null : body);
            o.put("body_length", body == null ? -1 : body.length());
            o.put("isBase64Encoded", e.getIsBase64Encoded());
            o.put("stage", e.getRequestContext().getStage());
            o.put("requestId", e.getRequestContext().getRequestId());
            o.put("sourceIp", e.getRequestContext().getIdentity().getSourceIp());
            o.put("contextResourcePath", e.getRequestContext().getResourcePath());
            o.put("contextHttpMethod", e.getRequestContext().getHttpMethod());
            return ApiResponses.json(200, o);
        }
    }

    static final class LiteralHandler extends ApiHandler {
        LiteralHandler(App app) {
            super("local");
        }

        @Override
        protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent e) {
            return ApiResponses.json(200, Map.of("route", "literal"));
        }
    }

    static final class BoomHandler extends ApiHandler {
        BoomHandler(App app) {
            super("local");
        }

        @Override
        protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent e) {
            if ("error".equals(e.getPathParameters().get("kind"))) throw new AssertionError("secret internals");
            if ("null".equals(e.getPathParameters().get("kind"))) return new APIGatewayProxyResponseEvent();
            throw new IllegalStateException("secret internals");
        }
    }

    static final class EmptyHandler extends ApiHandler {
        EmptyHandler(App app) {
            super("local");
        }

        @Override
        protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent e) {
            return new APIGatewayProxyResponseEvent().withStatusCode(204);
        }
    }

    static final List<Routes.Route> ROUTES = List.of(
            new Routes.Route("Echo", "GET", "/echo/{a}/{b}", EchoHandler.class, EchoHandler::new, Routes.Access.NONE),
            new Routes.Route("EchoPost", "POST", "/echo/{a}/{b}", EchoHandler.class, EchoHandler::new, Routes.Access.NONE),
            new Routes.Route("Literal", "GET", "/echo/literal/x", LiteralHandler.class, LiteralHandler::new,
                    Routes.Access.NONE),
            new Routes.Route("EchoRoot", "GET", "/", EchoHandler.class, EchoHandler::new, Routes.Access.NONE),
            new Routes.Route("Boom", "GET", "/boom/{kind}", BoomHandler.class, BoomHandler::new, Routes.Access.NONE),
            new Routes.Route("Empty", "GET", "/empty", EmptyHandler.class, EmptyHandler::new, Routes.Access.NONE));

    static LocalHttpServer server;
    static HttpTestClient http;
    static HttpTestClient lenient;

    @BeforeAll
    static void start() throws IOException {
        server = new LocalHttpServer(null, ROUTES, "127.0.0.1", 0).start();
        assertTrue(server.port() > 0);
        http = new HttpTestClient(server.url());
        lenient = new HttpTestClient(server.url(), false);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop();
    }

    @Test
    void buildsTheRestProxyEvent() {
        HttpTestClient.Resp r = http.send("GET", "/echo/a%20b/%E2%82%AC%2Fx?q=1&q=2&s=hello+world&e=%C3%A9&flag",
                HttpRequest.BodyPublishers.noBody(), null, "X-Multi", "one", "X-Multi", "two", "idempotency-key", "k1");
        JsonNode e = r.ok(200);
        assertEquals("GET", e.get("httpMethod").asText());
        assertEquals("/echo/{a}/{b}", e.get("resource").asText());
        assertEquals("/echo/{a}/{b}", e.get("contextResourcePath").asText());
        assertEquals("GET", e.get("contextHttpMethod").asText());
        assertEquals("a b", e.at("/pathParameters/a").asText());
        assertEquals("€/x", e.at("/pathParameters/b").asText(), "an encoded slash stays inside its parameter");
        assertEquals("2", e.at("/queryStringParameters/q").asText(), "the single-value map keeps the last value");
        assertEquals("[\"1\",\"2\"]", e.at("/multiValueQueryStringParameters/q").toString());
        assertEquals("hello world", e.at("/queryStringParameters/s").asText());
        assertEquals("é", e.at("/queryStringParameters/e").asText());
        assertEquals("", e.at("/queryStringParameters/flag").asText());
        assertEquals("two", e.at("/headers/X-Multi").asText());
        assertEquals("[\"one\",\"two\"]", e.at("/multiValueHeaders/X-Multi").toString());
        assertEquals("k1", e.at("/headers/Idempotency-Key").asText());
        assertEquals("127.0.0.1", e.at("/headers/X-Forwarded-For").asText());
        assertTrue(e.get("body").isNull());
        assertEquals(-1, e.get("body_length").asInt());
        assertFalse(e.get("isBase64Encoded").asBoolean());
        assertEquals("local", e.get("stage").asText());
        assertEquals("127.0.0.1", e.get("sourceIp").asText());
        assertTrue(UUID.matcher(e.get("requestId").asText()).matches());
        assertEquals(e.get("requestId").asText(), r.header("x-amzn-RequestId"));
    }

    @Test
    void noParametersAreNull() {
        JsonNode e = http.get("/").ok(200);
        assertEquals("/", e.get("path").asText());
        assertEquals("/", e.get("resource").asText());
        assertTrue(e.get("pathParameters").isNull());
        assertTrue(e.get("queryStringParameters").isNull());
        assertTrue(e.get("multiValueQueryStringParameters").isNull());
    }

    @Test
    void everyRequestHasItsOwnRequestId() {
        String a = http.get("/").json().get("requestId").asText();
        String b = http.get("/").json().get("requestId").asText();
        assertFalse(a.equals(b));
    }

    @Test
    void bodyIsPassedAsUtf8Text() {
        String text = "{\"greeting\": \"héllo € 😀\"}";
        JsonNode e = http.post("/echo/x/y", text).ok(200);
        assertEquals(text, e.get("body").asText());
        assertEquals("POST", e.get("httpMethod").asText());
        assertEquals("application/json", e.at("/headers/Content-Type").asText());
    }

    @Test
    void invalidUtf8BodyIs400() {
        byte[] bad = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        HttpTestClient.Resp r = http.send("POST", "/echo/x/y", HttpRequest.BodyPublishers.ofByteArray(bad),
                "application/json");
        JsonNode b = r.error(400, "malformed_request");
        assertEquals("Request body is not valid UTF-8", b.get("detail").asText());
    }

    @Test
    void invalidUtf8InPathOrQueryIs400() {
        http.get("/echo/%E2%82/x").error(400, "malformed_request");
        http.get("/echo/a/b?q=%FF").error(400, "malformed_request");
    }

    @Test
    void unknownPathIs404() {
        JsonNode b = http.get("/nope").error(404, "route_not_found");
        assertEquals("No route for GET /nope", b.get("detail").asText());
        http.get("/echo/a").error(404, "route_not_found");
        http.get("/echo/a/b/c").error(404, "route_not_found");
        http.get("/echo//b").error(404, "route_not_found");
        http.get("/empty/").error(404, "route_not_found");
    }

    @Test
    void knownPathWithAnotherMethodIs405WithAllow() {
        HttpTestClient.Resp r = http.send("DELETE", "/echo/a/b", HttpRequest.BodyPublishers.noBody(), null);
        JsonNode b = r.error(405, "method_not_allowed");
        assertEquals("GET, POST", r.header("Allow"));
        assertTrue(b.get("detail").asText().contains("DELETE"), b.toString());
        HttpTestClient.Resp put = http.send("PUT", "/empty", HttpRequest.BodyPublishers.ofString("{}"), "application/json");
        put.error(405, "method_not_allowed");
        assertEquals("GET", put.header("Allow"));
    }

    @Test
    void literalRouteWinsOverTemplate() {
        assertEquals("literal", http.get("/echo/literal/x").ok(200).get("route").asText());
        assertEquals("literal", http.post("/echo/literal/x", "{}").ok(200).at("/pathParameters/a").asText());
    }

    @Test
    void emptyResponse() {
        HttpTestClient.Resp r = http.get("/empty");
        assertEquals(204, r.status());
        assertEquals("", r.body());
    }

    @Test
    void failuresAre500WithoutInternals() {
        HttpTestClient.Resp thrown = lenient.get("/boom/runtime");
        thrown.error(500, "internal_error");
        assertFalse(thrown.body().contains("secret"), thrown.body());

        HttpTestClient.Resp error = lenient.get("/boom/error");
        JsonNode b = error.error(500, "internal_error");
        assertEquals("Internal error", b.get("detail").asText());
        assertFalse(error.body().contains("secret"), error.body());

        lenient.get("/boom/null").error(500, "internal_error");
        http.get("/").ok(200); // and the server goes on
    }

    @Test
    void bodyAtTheLimitIsAccepted() {
        String body = "x".repeat(LocalHttpServer.MAX_BODY_BYTES);
        JsonNode e = http.send("POST", "/echo/a/b", HttpRequest.BodyPublishers.ofString(body), "text/plain").ok(200);
        assertEquals(LocalHttpServer.MAX_BODY_BYTES, e.get("body_length").asInt());
    }

    @Test
    void bodyOverTheLimitIs413() {
        String body = "x".repeat(LocalHttpServer.MAX_BODY_BYTES + 1);
        JsonNode b = http.send("POST", "/echo/a/b", HttpRequest.BodyPublishers.ofString(body), "application/json")
                .error(413, "payload_too_large");
        assertTrue(b.get("detail").asText().contains("6 MiB"), b.toString());
        http.get("/").ok(200);
    }

    @Test
    void chunkedBodyOverTheLimitIs413() {
        byte[] big = new byte[LocalHttpServer.MAX_BODY_BYTES + 100_000];
        Arrays.fill(big, (byte) 'x');
        // ofInputStream has no known length: sent chunked, without Content-Length
        HttpTestClient.Resp r = http.send("POST", "/echo/a/b",
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)), "application/json");
        r.error(413, "payload_too_large");
    }

    @Test
    void hugeDeclaredBodyIsRejectedWithoutReadingIt() throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(10_000);
            String head = "POST /echo/a/b HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1000000000\r\n\r\n{\"only\": \"the beginning\"";
            s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            // the answer comes while the client has sent almost nothing of the declared gigabyte
            String response = readResponse(s.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 413"), response);
            assertTrue(response.contains("\"code\":\"payload_too_large\""), response);
        }
    }

    /** Reads one HTTP/1.1 response (head, then a body of Content-Length bytes) without waiting for EOF. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) break;
            head.append((char) c);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    @Test
    void concurrentRequests() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                fs.add(pool.submit(() -> http.get("/echo/" + n + "/x?i=" + n).ok(200).at("/pathParameters/a").asInt()));
            }
            for (int i = 0; i < fs.size(); i++) assertEquals(i, fs.get(i).get().intValue());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void stopReleasesThePort() throws IOException {
        LocalHttpServer other = new LocalHttpServer(null, ROUTES, "127.0.0.1", 0).start();
        int port = other.port();
        assertEquals(200, new HttpTestClient(other.url()).get("/").status());
        other.stop();
        HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        assertThrows(ConnectException.class, () -> c.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/")).build(), HttpResponse.BodyHandlers.discarding()));
        assertThrows(IllegalStateException.class, other::port);
    }
}
