package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.props;
import static dev.loopgrid.cdk.Synthesized.refId;
import static dev.loopgrid.cdk.Synthesized.refsIn;
import static dev.loopgrid.cdk.Synthesized.resources;
import static dev.loopgrid.cdk.Synthesized.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.Routes;
import dev.loopgrid.core.auth.Permission;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Matcher;

class ApiTemplateTest {

    /** Path of an API Gateway method, rebuilt from its resource's PathPart/ParentId chain. */
    private static String pathOf(Map<String, Object> method) {
        Map<String, Map<String, Object>> apiResources = resources("AWS::ApiGateway::Resource");
        List<String> parts = new ArrayList<>();
        String id = refId(props(method).get("ResourceId"));
        while (id != null && apiResources.containsKey(id)) {
            Map<String, Object> r = props(apiResources.get(id));
            parts.add(0, (String) r.get("PathPart"));
            id = refId(r.get("ParentId"));
        }
        return "/" + String.join("/", parts);
    }

    /** The Lambda function behind a method: integration URI → alias → function. */
    private static String functionOf(Map<String, Object> method) {
        @SuppressWarnings("unchecked")
        Map<String, Object> integration = (Map<String, Object>) props(method).get("Integration");
        assertEquals("AWS_PROXY", integration.get("Type"), "Lambda proxy integration");
        Map<String, Map<String, Object>> aliases = resources("AWS::Lambda::Alias");
        String aliasId = refsIn(integration.get("Uri")).stream().filter(aliases::containsKey).findFirst()
                .orElseThrow(() -> new AssertionError("method integrates no alias: " + integration.get("Uri")));
        Map<String, Object> alias = props(aliases.get(aliasId));
        assertEquals(LoopGridFunction.ALIAS, alias.get("Name"));
        assertNotNull(refId(alias.get("FunctionVersion")), "the alias points at a published version");
        return refId(alias.get("FunctionName"));
    }

    @Test
    void everyRoute_isAMethod_integratedWithTheLiveAliasOfItsOwnFunction() {
        Map<String, Map<String, Object>> methods = resources("AWS::ApiGateway::Method");
        Map<String, Map<String, Object>> functions = resources("AWS::Lambda::Function");
        Set<String> functionsUsed = new HashSet<>();
        for (Routes.Route route : Routes.ALL) {
            List<Map<String, Object>> matching = methods.values().stream()
                    .filter(m -> route.method().equals(props(m).get("HttpMethod")) && route.path().equals(pathOf(m)))
                    .toList();
            assertEquals(1, matching.size(), "exactly one method for " + route.method() + " " + route.path());
            String functionId = functionOf(matching.get(0));
            assertEquals(route.lambdaHandler(), props(functions.get(functionId)).get("Handler"), route.name());
            assertTrue(functionsUsed.add(functionId), route.name() + " shares its function with another route");
        }
        assertEquals(Routes.ALL.size(), methods.size(), "no method that is not in the route table");
    }

    @Test
    void functionCount_isOnePerRoute_plusTheReplayWorker_plusTheKeyAuthorizer_plusTheLogIntegrator_plusTheSweep_plusRecovery() {
        int functions = Routes.ALL.size() + 5;
        template().resourceCountIs("AWS::Lambda::Function", functions);
        template().resourceCountIs("AWS::Lambda::Alias", functions);
        template().resourceCountIs("AWS::Lambda::Version", functions);
        // one invoke permission per method, scoped to the alias and the method's ARN, and one for the authorizer
        // (the worker and the log's integrator are invoked by their event source mappings), and one each for the sweep's
        // and the replay recovery's schedules (EventBridge)
        template().resourceCountIs("AWS::Lambda::Permission", Routes.ALL.size() + 3);
    }

    @Test
    void functions_runJava21_withTracing_andTheEnvironmentTheCodeReads() {
        template().allResourcesProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                "Runtime", "java21",
                "TracingConfig", Map.of("Mode", "Active"),
                "LoggingConfig", Map.of("LogGroup", Match.anyValue()),
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "LOOPGRID_TABLE", Map.of("Ref", template().getResourceId("AWS::DynamoDB::Table")),
                        "LOOPGRID_TENANT", "default",
                        "POWERTOOLS_SERVICE_NAME", "loopgrid",
                        "POWERTOOLS_METRICS_NAMESPACE", "LoopGrid",
                        "JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1"))))));
    }

    @Test
    void routeFunctions_snapStartTheirPublishedVersions() {
        for (Routes.Route route : Routes.ALL) {
            template().hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                    "Handler", route.lambdaHandler(),
                    "SnapStart", Map.of("ApplyOn", "PublishedVersions"))));
        }
    }

    @Test
    void onlyEnqueueRoutes_knowTheReplayQueue() {
        String queueId = template().getResourceId("AWS::SQS::Queue",
                Match.objectLike(Map.of("Properties", Match.objectLike(Map.of("RedrivePolicy", Match.anyValue())))));
        for (Routes.Route route : Routes.ALL) {
            Matcher withQueue = Match.objectLike(Map.of("Handler", route.lambdaHandler(),
                    "Environment", Map.of("Variables", Match.objectLike(Map.of(
                            "LOOPGRID_QUEUE_URL", Map.of("Ref", queueId),
                            "LOOPGRID_MAX_RECEIVES", String.valueOf(ReplayPipelineConstruct.MAX_RECEIVE_COUNT))))));
            template().resourcePropertiesCountIs("AWS::Lambda::Function", withQueue,
                    route.access() == Routes.Access.ENQUEUE ? 1 : 0);
        }
    }

    @Test
    void onlyReportAndLifecycleRoutes_andTheSweep_knowTheReportsBucket() {
        String bucketId = Synthesized.reportsBucketId();
        for (Routes.Route route : Routes.ALL) {
            Matcher withBucket = Match.objectLike(Map.of("Handler", route.lambdaHandler(),
                    "Environment", Map.of("Variables", Match.objectLike(Map.of(
                            "LOOPGRID_REPORTS_BUCKET", Map.of("Ref", bucketId))))));
            template().resourcePropertiesCountIs("AWS::Lambda::Function", withBucket,
                    route.access() == Routes.Access.REPORT || route.access() == Routes.Access.LIFECYCLE ? 1 : 0);
        }
        // an erasure purges the tenant's stored exports (ReportsBucketConstruct.grantExportPurge)
        template().resourcePropertiesCountIs("AWS::Lambda::Function", Match.objectLike(Map.of(
                "Handler", "dev.loopgrid.aws.worker.LifecycleSweepHandler::handleRequest",
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "LOOPGRID_REPORTS_BUCKET", Map.of("Ref", bucketId)))))), 1);
    }

    @Test
    void routesThatReadOrRecordDecisions_knowWhereLargeContentLives_andNoOthers() {
        String bucketId = Synthesized.reportsBucketId();
        // the log's routes serve hashes, proofs and checkpoints, never a decision's content
        Set<String> without = Set.of("GetReplay", "CreateReplay", "ListDecisionReplays", "GetStats", "Health", "Root",
                "OpenApi", "Docs", "DocsAsset",
                "CreateApiKey", "ListApiKeys", "RevokeApiKey",
                "GetReceipt", "GetEntryReceipt", "LogCheckpoint", "LogConsistency", "LogTile", "LogKey",
                // erasure, holds and retention read decisions without content
                "EraseSubject", "GetErasure", "PlaceHold", "ListHolds", "ReleaseHold", "GetRetention", "SetRetention");
        for (Routes.Route route : Routes.ALL) {
            Matcher withContent = Match.objectLike(Map.of("Handler", route.lambdaHandler(),
                    "Environment", Map.of("Variables", Match.objectLike(Map.of(
                            "LOOPGRID_CONTENT_BUCKET", Map.of("Ref", bucketId))))));
            template().resourcePropertiesCountIs("AWS::Lambda::Function", withContent,
                    without.contains(route.name()) ? 0 : 1);
        }
    }

    @Test
    void functions_haveTheirSizing_belowTheApiGatewayIntegrationTimeout() {
        for (Routes.Route route : Routes.ALL) {
            FunctionSizing sizing = FunctionSizing.of(route);
            template().hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                    "Handler", route.lambdaHandler(),
                    "MemorySize", sizing.memoryMb(),
                    "Timeout", sizing.timeoutSeconds())));
            assertTrue(sizing.timeoutSeconds() <= FunctionSizing.API_GATEWAY_TIMEOUT_SECONDS,
                    route.name() + " outlives API Gateway's integration timeout");
            assertTrue(sizing.memoryMb() >= 256, route.name());
        }
        // the admin key routes are small and rare: the smallest Java size
        for (Routes.Route route : Routes.ALL) {
            if (route.access() != Routes.Access.KEYS) continue;
            assertEquals(new FunctionSizing(256, 10), FunctionSizing.of(route), route.name());
        }
    }

    @Test
    void functionsAndAccessLogs_haveLogGroupsWithRetention() {
        // one per route function, the worker's, the authorizer's, the integrator's, the sweep's, the API's access logs
        template().resourceCountIs("AWS::Logs::LogGroup", Routes.ALL.size() + 6);
        template().allResourcesProperties("AWS::Logs::LogGroup",
                Match.objectLike(Map.of("RetentionInDays", 30)));
        // retention is set on our log groups, not by the LogRetention custom resource (which would add a function)
        template().resourceCountIs("Custom::LogRetention", 0);
    }

    @Test
    void stage_throttles_tracesAndWritesAccessLogs() {
        template().resourceCountIs("AWS::ApiGateway::RestApi", 1);
        template().resourceCountIs("AWS::ApiGateway::Stage", 1);
        template().hasResourceProperties("AWS::ApiGateway::Stage", Match.objectLike(Map.of(
                "StageName", ApiConstruct.STAGE,
                "TracingEnabled", true,
                "AccessLogSetting", Map.of(
                        "DestinationArn", Map.of("Fn::GetAtt", List.of(accessLogGroupId(), "Arn")),
                        "Format", Match.anyValue()),
                "MethodSettings", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "HttpMethod", "*",
                        "ResourcePath", "/*",
                        "ThrottlingRateLimit", ApiConstruct.THROTTLE_RATE,
                        "ThrottlingBurstLimit", ApiConstruct.THROTTLE_BURST)))))));
    }

    private static String accessLogGroupId() {
        Set<String> functionLogs = new HashSet<>();
        resources("AWS::Lambda::Function").values()
                .forEach(f -> functionLogs.addAll(refsIn(props(f).get("LoggingConfig"))));
        List<String> others = resources("AWS::Logs::LogGroup").keySet().stream()
                .filter(id -> !functionLogs.contains(id)).toList();
        assertEquals(1, others.size(), "one log group besides the functions' ones");
        return others.get(0);
    }

    /** The public routes, written out: a route that becomes public by mistake fails here. */
    private static final Set<String> PUBLIC = Set.of("GET /health", "GET /", "GET /openapi.json", "GET /docs", "GET /docs/{asset}",
            // the log's verifier key: anyone may check a receipt or a checkpoint offline
            "GET /v1/log/key");

    private static Map<String, Object> methodOf(Routes.Route route) {
        return resources("AWS::ApiGateway::Method").values().stream()
                .filter(m -> route.method().equals(props(m).get("HttpMethod")) && route.path().equals(pathOf(m)))
                .findFirst().orElseThrow(() -> new AssertionError("no method for " + route.name()));
    }

    @Test
    void nonPublicRoutes_areBehindTheKeyAuthorizer_andRequireAUsageKey_publicRoutesHaveNeither() {
        String authorizerId = template().getResourceId("AWS::ApiGateway::Authorizer");
        Set<String> publicRoutes = new HashSet<>();
        for (Routes.Route route : Routes.ALL) {
            Map<String, Object> method = props(methodOf(route));
            boolean isPublic = route.permission() == Permission.PUBLIC;
            if (isPublic) publicRoutes.add(route.method() + " " + route.path());
            assertEquals(isPublic ? "NONE" : "CUSTOM", method.get("AuthorizationType"), route.name());
            assertEquals(isPublic ? null : Map.of("Ref", authorizerId), method.get("AuthorizerId"), route.name());
            assertEquals(!isPublic, method.get("ApiKeyRequired"), route.name());
        }
        assertEquals(PUBLIC, publicRoutes);
    }

    @Test
    void restApi_countsUsageAgainstTheKeyTheAuthorizerReturns() {
        template().hasResourceProperties("AWS::ApiGateway::RestApi", Match.objectLike(Map.of(
                "ApiKeySourceType", "AUTHORIZER")));
    }

    /**
     * OTLP protobuf bodies must reach the functions base64-encoded, not mangled into text; the log's tiles go back as
     * binary to a request that accepts {@code application/octet-stream}.
     */
    @Test
    void restApi_passesOtlpProtobufBodiesAndLogTilesAsBinary() {
        template().hasResourceProperties("AWS::ApiGateway::RestApi", Match.objectLike(Map.of(
                "BinaryMediaTypes", List.of("application/x-protobuf", "application/octet-stream"))));
        assertEquals(List.of("application/x-protobuf", "application/octet-stream"), Routes.BINARY_MEDIA_TYPES);
    }

    /** /v1/log/tile/{path+}: a greedy path parameter, as API Gateway spells it, under /v1/log/tile. */
    @Test
    void logTiles_areServedThroughAGreedyPathParameter() {
        Routes.Route tile = Routes.ALL.stream().filter(r -> r.name().equals("LogTile")).findFirst().orElseThrow();
        assertEquals("/v1/log/tile/{path+}", tile.path());
        Map<String, Object> method = props(methodOf(tile));
        Map<String, Object> resource = props(resources("AWS::ApiGateway::Resource").get(refId(method.get("ResourceId"))));
        assertEquals("{path+}", resource.get("PathPart"));
        assertEquals("tile", props(resources("AWS::ApiGateway::Resource").get(refId(resource.get("ParentId")))).get("PathPart"));
        assertEquals("CUSTOM", method.get("AuthorizationType"), "tiles are the tenant's: keyed like every read");
        // API Gateway may invoke the tile function for any path below /v1/log/tile/ (the greedy parameter as *)
        long permits = resources("AWS::Lambda::Permission").values().stream()
                .filter(p -> String.valueOf(props(p).get("SourceArn")).contains("/GET/v1/log/tile/*")).count();
        assertEquals(1, permits, "one invoke permission for GET /v1/log/tile/*");
    }

    /** The log's routes and the verifying functions know where the log is; no other route does. */
    @Test
    void logRoutes_andTheVerifyingFunctions_knowTheLog_andNoOthers() {
        Set<String> readers = Set.of("GetReceipt", "GetEntryReceipt", "LogCheckpoint", "LogConsistency", "LogTile", "LogKey",
                "VerifyIntegrity", "ComplianceReport", "ComplianceReportHtml");
        for (Routes.Route route : Routes.ALL) {
            Matcher withLog = Match.objectLike(Map.of("Handler", route.lambdaHandler(),
                    "Environment", Map.of("Variables", Match.objectLike(Map.of(
                            "LOOPGRID_LOG_BUCKET", Map.of("Ref", Synthesized.tilesBucketId()),
                            "LOOPGRID_CHECKPOINT_BUCKET", Map.of("Ref", Synthesized.checkpointBucketId()),
                            "LOOPGRID_LOG_KMS_KEY", Map.of("Fn::GetAtt", List.of(Synthesized.logKeyId(), "Arn")),
                            "LOOPGRID_CHECKPOINT_INTERVAL_MS", "5000",
                            "LOOPGRID_CHECKPOINT_RETENTION_DAYS", "180")))));
            template().resourcePropertiesCountIs("AWS::Lambda::Function", withLog, readers.contains(route.name()) ? 1 : 0);
            if (!readers.contains(route.name())) {
                Map<String, Object> fn = props(resources("AWS::Lambda::Function").get(Synthesized.functionId(route.lambdaHandler())));
                assertFalse(String.valueOf(fn.get("Environment")).contains("LOOPGRID_LOG_"), route.name());
            }
        }
    }

    /** The OTLP routes record decisions: a function of their own each, with the record permission and APPEND access. */
    @Test
    void otlpRoutes_recordDecisions_withTheirOwnFunctions() {
        for (String path : List.of("/v1/traces", "/v1/logs")) {
            Routes.Route route = Routes.ALL.stream().filter(r -> r.path().equals(path)).findFirst().orElseThrow();
            assertEquals("POST", route.method());
            assertEquals(Permission.RECORD, route.permission());
            assertEquals(Routes.Access.APPEND, route.access());
            template().hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                    "Handler", route.lambdaHandler(), "MemorySize", 1024, "Timeout", 29)));
        }
    }

    @Test
    void routeFunctions_refuseRequestsWithoutAnAuthorizerPrincipal_otherFunctionsDoNotHaveTheSetting() {
        Set<String> routeHandlers = new HashSet<>();
        for (Routes.Route route : Routes.ALL) {
            routeHandlers.add(route.lambdaHandler());
            template().hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                    "Handler", route.lambdaHandler(),
                    "Environment", Map.of("Variables", Match.objectLike(Map.of("LOOPGRID_REQUIRE_KEYS", "true"))))));
        }
        for (Map<String, Object> f : resources("AWS::Lambda::Function").values()) {
            if (routeHandlers.contains(props(f).get("Handler"))) continue;
            assertFalse(String.valueOf(props(f).get("Environment")).contains("LOOPGRID_REQUIRE_KEYS"),
                    props(f).get("Handler") + " is no route function");
        }
    }
}
