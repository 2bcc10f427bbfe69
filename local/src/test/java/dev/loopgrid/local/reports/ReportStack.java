package dev.loopgrid.local.reports;

import dev.loopgrid.local.TestApps;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.Routes;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.EmbeddedDynamo;
import dev.loopgrid.local.EmbeddedS3;
import dev.loopgrid.local.LocalHttpServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The local stack as the reports need it, built by hand so tests can reach the table (to tamper) and set the
 * export inline limit: DynamoDB Local and S3Proxy in memory, the application over both, and the HTTP front.
 */
final class ReportStack implements AutoCloseable {
    static final String TABLE = "loopgrid-reports-test";
    final EmbeddedDynamo dynamo;
    final EmbeddedS3 s3;
    final App app;
    final LocalHttpServer http;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();

    ReportStack(int exportInlineBytes) throws Exception {
        dynamo = EmbeddedDynamo.start(null);
        dynamo.ensureTable(TABLE);
        s3 = EmbeddedS3.start(null, EmbeddedS3.DEFAULT_BUCKET);
        App.ReportConfig rc = new App.ReportConfig(s3.bucket(), Duration.ofMinutes(15), null, exportInlineBytes);
        app = TestApps.create(dynamo.client(), null, s3.reportStore(rc.urlTtl(), Clock.systemUTC()),
                new App.Config(TABLE, "local", DecisionService.DEFAULT_MAX_CONTENT_BYTES), App.ReplayConfig.none(), rc,
                Map.of(), Clock.systemUTC());
        http = new LocalHttpServer(app, Routes.ALL, "127.0.0.1", 0).start();
    }

    HttpResponse<String> get(String pathOrUrl) throws IOException, InterruptedException {
        String url = pathOrUrl.startsWith("http") ? pathOrUrl : http.url() + pathOrUrl;
        return client.send(HttpRequest.newBuilder(URI.create(url)).GET().timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    JsonNode getJson(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = get(path);
        assertEquals(200, r.statusCode(), r.body());
        return Json.parseStored(r.body());
    }

    JsonNode post(String path, ObjectNode body) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(http.url() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(path.endsWith("/decisions") ? 201 : 200, r.statusCode(), r.body());
        return Json.parseStored(r.body());
    }

    /** Records a decision and returns its id. */
    String record(String service, String type, String provider, String model, String output) throws Exception {
        ObjectNode b = Json.object();
        b.put("service_name", service);
        b.put("decision_type", type);
        b.putObject("input").put("message", "I was charged twice");
        b.putObject("model").put("provider", provider).put("name", model);
        b.putObject("output").put("response", output);
        return post("/v1/decisions", b).get("decision_id").asText();
    }

    void flag(String id, String reason) throws Exception {
        post("/v1/decisions/" + id + "/incorrect", Json.object().put("reason", reason));
    }

    void correct(String id, String output, String by) throws Exception {
        ObjectNode b = Json.object();
        b.putObject("correction").put("response", output);
        b.put("corrected_by", by);
        post("/v1/decisions/" + id + "/correction", b);
    }

    @Override
    public void close() {
        http.stop(0);
        s3.close();
        dynamo.close();
    }
}
