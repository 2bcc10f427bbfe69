package dev.loopgrid.local.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.EmbeddedDynamo;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the record-decision handler the way Lambda does — a fresh JVM whose environment says it is a Lambda
 * function — against DynamoDB Local, and checks what Powertools emits: EMF metrics in namespace LoopGrid with
 * the Service dimension (what the append-conflict alarm and dashboards read).
 */
class LambdaTelemetryTest {

    @Test
    void recordDecisionInLambdaMode_emitsEmfMetricsInTheLoopGridNamespace() throws Exception {
        try (EmbeddedDynamo dynamo = EmbeddedDynamo.start(null)) {
            dynamo.ensureTable("telemetry-ledger");
            // given the sample event and a function environment like the CDK app sets
            Path event = Path.of("..", "events", "record-decision.json");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "dev.loopgrid.aws.tools.InvokeOnce",
                    "dev.loopgrid.aws.handlers.RecordDecisionHandler", event.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
            pb.environment().put("AWS_LAMBDA_FUNCTION_NAME", "RecordDecision");
            pb.environment().put("POWERTOOLS_SERVICE_NAME", "loopgrid");
            pb.environment().put("POWERTOOLS_METRICS_NAMESPACE", "LoopGrid");
            pb.environment().put("LOOPGRID_TABLE", "telemetry-ledger");
            pb.environment().put("LOOPGRID_DYNAMODB_ENDPOINT", dynamo.endpoint().toString());
            pb.environment().put("AWS_REGION", "us-east-1");
            pb.environment().put("AWS_ACCESS_KEY_ID", "local");
            pb.environment().put("AWS_SECRET_ACCESS_KEY", "local");
            File out = Files.createTempFile("invoke", ".out").toFile();
            File err = Files.createTempFile("invoke", ".err").toFile();
            pb.redirectOutput(out).redirectError(err);

            // when
            Process p = pb.start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "InvokeOnce did not finish");
            String stdout = Files.readString(out.toPath(), StandardCharsets.UTF_8);
            String stderr = Files.readString(err.toPath(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), stdout + stderr);

            // then the response is a recorded decision, and the EMF document names our namespace and metric
            JsonNode emf = null;
            JsonNode response = null;
            for (String line : stdout.split("\n")) {
                if (!line.startsWith("{")) continue;
                JsonNode n = Json.MAPPER.readTree(line);
                if (n.has("_aws")) emf = n;
                if (n.has("statusCode")) response = n;
            }
            assertTrue(response != null && response.get("statusCode").asInt() == 201, stdout + stderr);
            assertTrue(emf != null, "no EMF metrics document on stdout:\n" + stdout);
            JsonNode directive = emf.get("_aws").get("CloudWatchMetrics").get(0);
            assertEquals("LoopGrid", directive.get("Namespace").asText());
            assertEquals("loopgrid", emf.get("Service").asText());
            assertEquals(1.0, emf.get("DecisionsRecorded").asDouble(), emf.toString());
            assertTrue(stderr.contains("first event handled"), stderr);
        }
    }

    @Test
    void authorizerWithItsKeyStoreDown_emitsAuthStoreUnavailable_andIsNotAnUnauthorizedAnswer() throws Exception {
        // given the authorizer's sample event and a DynamoDB endpoint nobody listens on
        Path event = Path.of("..", "events", "authorizer-request.json");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.loopgrid.aws.tools.InvokeOnce",
                "dev.loopgrid.aws.auth.ApiKeyAuthorizerHandler", event.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("AWS_LAMBDA_FUNCTION_NAME", "Authorizer");
        pb.environment().put("POWERTOOLS_SERVICE_NAME", "loopgrid");
        pb.environment().put("POWERTOOLS_METRICS_NAMESPACE", "LoopGrid");
        pb.environment().put("LOOPGRID_TABLE", "telemetry-ledger");
        pb.environment().put("LOOPGRID_DYNAMODB_ENDPOINT", "http://127.0.0.1:1");
        pb.environment().put("AWS_REGION", "us-east-1");
        pb.environment().put("AWS_ACCESS_KEY_ID", "local");
        pb.environment().put("AWS_SECRET_ACCESS_KEY", "local");
        File out = Files.createTempFile("invoke", ".out").toFile();
        pb.redirectOutput(out).redirectError(ProcessBuilder.Redirect.DISCARD);

        // when
        Process p = pb.start();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "InvokeOnce did not finish");
        String stdout = Files.readString(out.toPath(), StandardCharsets.UTF_8);

        // then: a failure that is not "Unauthorized" (API Gateway answers 503, not 401), counted in the metric
        assertEquals(1, p.exitValue(), stdout);
        JsonNode emf = null;
        JsonNode error = null;
        for (String line : stdout.split("\n")) {
            if (!line.startsWith("{")) continue;
            JsonNode n = Json.MAPPER.readTree(line);
            if (n.has("_aws")) emf = n;
            if (n.has("error")) error = n;
        }
        assertTrue(error != null && !error.get("error").asText().equals("Unauthorized"), stdout);
        assertTrue(emf != null, "no EMF metrics document on stdout:\n" + stdout);
        assertEquals("LoopGrid", emf.get("_aws").get("CloudWatchMetrics").get(0).get("Namespace").asText());
        assertEquals(1.0, emf.get("AuthStoreUnavailable").asDouble(), emf.toString());
    }
}
