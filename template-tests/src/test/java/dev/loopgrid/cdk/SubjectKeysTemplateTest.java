package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.monitoring;

import static dev.loopgrid.cdk.Synthesized.actions;
import static dev.loopgrid.cdk.Synthesized.props;
import static dev.loopgrid.cdk.Synthesized.refId;
import static dev.loopgrid.cdk.Synthesized.refsIn;
import static dev.loopgrid.cdk.Synthesized.resources;
import static dev.loopgrid.cdk.Synthesized.statements;
import static dev.loopgrid.cdk.Synthesized.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.Routes;
import dev.loopgrid.aws.store.LedgerTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

/**
 * Erasure by crypto-shredding in the template: the data-subject key, who may use it for what (written out here by
 * route name, independently of {@link SubjectKeyAccess}), who may write data subjects' items, the lifecycle functions'
 * grants, the sweep and its schedule, and the table settings the erasure report relies on.
 */
class SubjectKeysTemplateTest {
    private static final String ENV = "LOOPGRID_SUBJECT_KMS_KEY";
    private static final Set<String> SEAL = Set.of("kms:GenerateDataKey", "kms:Decrypt");
    private static final Set<String> OPEN = Set.of("kms:Decrypt");
    private static final String SWEEP_HANDLER = "dev.loopgrid.aws.worker.LifecycleSweepHandler::handleRequest";
    private static final String WORKER_HANDLER = "dev.loopgrid.aws.worker.ReplayWorkerHandler::handleRequest";
    private static final String AUTHORIZER_HANDLER = "dev.loopgrid.aws.auth.ApiKeyAuthorizerHandler::handleRequest";

    /** KMS actions on the data-subject key by function (route name, or the worker's/sweep's/integrator's/authorizer's). */
    private static final Map<String, Set<String>> KMS = Map.ofEntries(
            Map.entry("RecordDecision", SEAL), Map.entry("RecordDecisionBatch", SEAL), Map.entry("OtlpTraces", SEAL), Map.entry("OtlpLogs", SEAL),
            Map.entry("ListDecisions", OPEN), Map.entry("GetDecision", OPEN), Map.entry("MarkIncorrect", OPEN),
            Map.entry("AttachCorrection", OPEN), Map.entry("ConfirmDecision", OPEN), Map.entry("CompareReplay", OPEN),
            Map.entry("VerifyIntegrity", OPEN), Map.entry("ComplianceReport", OPEN),
            Map.entry("ComplianceReportHtml", OPEN), Map.entry("ExportDecisions", OPEN),
            Map.entry("ExportGroundTruth", OPEN), Map.entry(WORKER_HANDLER, OPEN));
    /** Functions that must never touch the key: keys, docs, health, the log, stats, replay bookkeeping, lifecycle. */
    private static final Set<String> NEVER = Set.of("CreateApiKey", "ListApiKeys", "RevokeApiKey", "Health", "Root",
            "OpenApi", "Docs", "DocsAsset", "GetReceipt", "GetEntryReceipt", "LogCheckpoint", "LogConsistency", "LogTile",
            "LogKey", "GetStats", "CreateReplay", "GetReplay", "ListDecisionReplays", "EraseSubject", "GetErasure",
            "PlaceHold", "ListHolds", "ReleaseHold", "GetRetention", "SetRetention", SWEEP_HANDLER,
            "dev.loopgrid.aws.worker.ReplayRecoveryHandler::handleRequest",
            Synthesized.INTEGRATOR_HANDLER, AUTHORIZER_HANDLER);
    private static final Set<String> LIFECYCLE_ROUTES = Set.of("EraseSubject", "PlaceHold", "ReleaseHold", "SetRetention");

    private static String keyId() {
        return Synthesized.logicalId(Synthesized.stack().subjectKeys().key());
    }

    /** Route name, or handler for the functions that are not routes. */
    private static Map<String, String> functionsByName() {
        Map<String, String> out = new TreeMap<>();
        for (Map<String, Object> f : resources("AWS::Lambda::Function").values()) {
            String handler = (String) props(f).get("Handler");
            String name = Routes.ALL.stream().filter(r -> r.lambdaHandler().equals(handler)).map(Routes.Route::name)
                    .findFirst().orElse(handler);
            out.put(name, handler);
        }
        return out;
    }

    private static List<Map<String, Object>> statementsOf(String handler) {
        String roleId = Synthesized.roleIdOf(handler);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> policy : resources("AWS::IAM::Policy").values()) {
            if (refsIn(props(policy).get("Roles")).contains(roleId)) out.addAll(statements(policy));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> envOf(String handler) {
        Map<String, Object> env = (Map<String, Object>) props(resources("AWS::Lambda::Function")
                .get(Synthesized.functionId(handler))).get("Environment");
        return env == null ? Map.of() : (Map<String, Object>) env.get("Variables");
    }

    @Test
    void subjectKey_isSymmetric_rotated_andRetained() {
        Map<String, Object> key = resources("AWS::KMS::Key").get(keyId());
        assertNotNull(key);
        assertEquals("Retain", key.get("DeletionPolicy"));
        assertEquals("Retain", key.get("UpdateReplacePolicy"));
        Map<String, Object> p = props(key);
        assertEquals(true, p.get("EnableKeyRotation"));
        assertTrue(p.get("KeySpec") == null || "SYMMETRIC_DEFAULT".equals(p.get("KeySpec")), String.valueOf(p));
        assertTrue(p.get("KeyUsage") == null || "ENCRYPT_DECRYPT".equals(p.get("KeyUsage")), String.valueOf(p));
    }

    @Test
    void everyFunction_hasExactlyItsKmsActionsOnTheSubjectKey_withTheEncryptionContext_andTheEnvVarIfAny() {
        Map<String, String> functions = functionsByName();
        // every function is decided: either it uses the key, or it never may
        for (String name : functions.keySet()) {
            assertTrue(KMS.containsKey(name) ^ NEVER.contains(name), name + " is not decided in this test");
        }
        String key = keyId();
        for (var e : functions.entrySet()) {
            Set<String> actions = new TreeSet<>();
            for (Map<String, Object> st : statementsOf(e.getValue())) {
                if (!refsIn(st.get("Resource")).contains(key)) continue;
                assertEquals("Allow", st.get("Effect"), e.getKey());
                assertEquals(List.of(key), refsIn(st.get("Resource")), e.getKey() + ": the key's ARN only");
                assertEquals(Map.of(
                        "Null", Map.of("kms:EncryptionContext:loopgrid:tenant", "false",
                                "kms:EncryptionContext:loopgrid:subject", "false"),
                        "ForAllValues:StringEquals", Map.of("kms:EncryptionContextKeys",
                                List.of("loopgrid:tenant", "loopgrid:subject"))), st.get("Condition"), e.getKey());
                actions.addAll(actions(st));
            }
            assertEquals(KMS.getOrDefault(e.getKey(), Set.of()), actions, e.getKey());
            Object env = envOf(e.getValue()).get(ENV);
            if (KMS.containsKey(e.getKey())) {
                assertEquals(List.of(key), refsIn(env), e.getKey() + " " + ENV);
            } else {
                assertNull(env, e.getKey() + " has " + ENV);
            }
        }
    }

    @Test
    void onlyRecordingFunctions_mayGenerateDataKeys_anywhere() {
        for (var e : functionsByName().entrySet()) {
            boolean generates = statementsOf(e.getValue()).stream().filter(st -> "Allow".equals(st.get("Effect")))
                    .anyMatch(st -> actions(st).stream().anyMatch(a -> a.startsWith("kms:GenerateDataKey")));
            assertEquals(KMS.get(e.getKey()) == SEAL, generates, e.getKey());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> condition(Map<String, Object> st, String operator) {
        Map<String, Object> c = (Map<String, Object>) st.get("Condition");
        return c == null ? null : (Map<String, Object>) c.get(operator);
    }

    /** The Deny statements of a function on data subjects' items, by Sid. */
    private static Map<String, Map<String, Object>> subjectDenies(String handler) {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        for (Map<String, Object> st : statementsOf(handler)) {
            if (!"Deny".equals(st.get("Effect"))) continue;
            Map<String, Object> any = condition(st, "ForAnyValue:StringLike");
            if (any != null && List.of("SUBJECT#*").equals(any.get("dynamodb:LeadingKeys"))) out.put((String) st.get("Sid"), st);
        }
        return out;
    }

    private static boolean writes(String handler) {
        return statementsOf(handler).stream().filter(st -> "Allow".equals(st.get("Effect"))).flatMap(st -> actions(st).stream())
                .anyMatch(a -> Set.of("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                        "dynamodb:TransactWriteItems").contains(a));
    }

    @Test
    void nonLifecycleWriters_mayNotWriteSubjectItems_andRecordersOnlyCreateAndTouchThem() {
        Set<String> recorders = Set.of("RecordDecision", "RecordDecisionBatch", "OtlpTraces", "OtlpLogs");
        int checked = 0;
        for (var e : functionsByName().entrySet()) {
            String name = e.getKey();
            Map<String, Map<String, Object>> denies = subjectDenies(e.getValue());
            boolean lifecycle = LIFECYCLE_ROUTES.contains(name) || name.equals(SWEEP_HANDLER);
            boolean keys = Set.of("CreateApiKey", "ListApiKeys", "RevokeApiKey").contains(name);
            if (lifecycle || !writes(e.getValue()) || keys) {
                assertTrue(denies.isEmpty(), name + ": " + denies.keySet());
                continue;
            }
            checked++;
            if (!recorders.contains(name)) {
                assertEquals(Set.of("NoSubjectKeyWrites"), denies.keySet(), name);
                assertEquals(Set.of("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
                        new TreeSet<>(actions(denies.get("NoSubjectKeyWrites"))), name);
                continue;
            }
            assertEquals(Set.of("NoSubjectKeyDeletes", "SubjectKeyTouchOnly", "SubjectKeyCreateOnly",
                    "SubjectKeyCreateWithKey"), denies.keySet(), name);
            assertEquals(List.of("dynamodb:DeleteItem"), actions(denies.get("NoSubjectKeyDeletes")), name);
            Map<String, Object> touch = denies.get("SubjectKeyTouchOnly");
            assertEquals(List.of("dynamodb:UpdateItem"), actions(touch), name);
            List<?> touchable = (List<?>) condition(touch, "ForAnyValue:StringNotEquals").get("dynamodb:Attributes");
            assertFalse(touchable.contains("wrapped_key"), name + ": an UpdateItem naming wrapped_key must be denied");
            assertEquals(Set.of("pk", "sk", "last_used_at", "services", "erased_at"), new TreeSet<>(touchable), name);
            Map<String, Object> create = denies.get("SubjectKeyCreateOnly");
            assertEquals(List.of("dynamodb:PutItem"), actions(create), name);
            assertEquals(Set.of("pk", "sk", "subject_id", "key_id", "wrapped_key", "created_at", "last_used_at", "services"),
                    new TreeSet<>((List<?>) condition(create, "ForAnyValue:StringNotEquals").get("dynamodb:Attributes")), name);
            Map<String, Object> withKey = denies.get("SubjectKeyCreateWithKey");
            assertEquals(List.of("dynamodb:PutItem"), actions(withKey), name);
            assertEquals(Map.of("dynamodb:Attributes", List.of("wrapped_key")),
                    condition(withKey, "ForAllValues:StringNotEquals"), name);
        }
        // the APPEND, ENQUEUE, REPORT and VERIFY routes, the replay worker, the log's integrator and the replay
        // recovery (its DeleteItem is confined to REP#open#00..15, and it is denied subject items all the same)
        long expected = Routes.ALL.stream().filter(r -> Set.of(Routes.Access.APPEND, Routes.Access.ENQUEUE,
                Routes.Access.REPORT, Routes.Access.VERIFY).contains(r.access())).count() + 3;
        assertEquals(expected, checked);
    }

    /** The subject store's touch must not name wrapped_key, or the recording functions' Deny refuses it. */
    @Test
    void subjectStoreTouch_namesOnlyTouchAttributes() throws IOException {
        Path root = Path.of(System.getProperty("loopgrid.repoRoot", "..")).toAbsolutePath().normalize();
        String src = Files.readString(root.resolve(
                "functions/aws/src/main/java/dev/loopgrid/aws/store/DynamoSubjectKeyStore.java"), StandardCharsets.UTF_8);
        int touch = src.indexOf("public void touch(");
        assertTrue(touch > 0);
        String body = src.substring(touch, src.indexOf("\n    }\n", touch));
        for (String expr : List.of("updateExpression(\"", "conditionExpression(\"")) {
            int at = body.indexOf(expr);
            assertTrue(at > 0, expr);
            String e = body.substring(at + expr.length(), body.indexOf('"', at + expr.length()));
            assertFalse(e.contains("wrapped_key"), e);
        }
    }

    @Test
    void lifecycleFunctions_appendAndDeleteOnlyHoldsAndSchedules() {
        List<String> handlers = new ArrayList<>();
        for (Routes.Route r : Routes.ALL) if (r.access() == Routes.Access.LIFECYCLE) handlers.add(r.lambdaHandler());
        assertEquals(LIFECYCLE_ROUTES.size(), handlers.size());
        handlers.add(SWEEP_HANDLER);
        String tableId = template().getResourceId("AWS::DynamoDB::Table");
        for (String handler : handlers) {
            Set<String> allowed = new TreeSet<>();
            Map<String, Object> delete = null;
            for (Map<String, Object> st : statementsOf(handler)) {
                if (!"Allow".equals(st.get("Effect"))) continue;
                for (String a : actions(st)) if (a.startsWith("dynamodb:") || a.startsWith("kms:")) allowed.add(a);
                if (actions(st).contains("dynamodb:DeleteItem")) delete = st;
            }
            assertEquals(Set.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem",
                    "dynamodb:TransactWriteItems", "dynamodb:PutItem", "dynamodb:UpdateItem",
                    "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem"), allowed, handler);
            assertNotNull(delete, handler);
            assertEquals(List.of("dynamodb:DeleteItem"), actions(delete), handler);
            assertEquals(Map.of("dynamodb:LeadingKeys", List.of("HOLDS#*", "ERASURE_DUE")),
                    condition(delete, "ForAllValues:StringLike"), handler);
            assertEquals(List.of(tableId), refsIn(delete.get("Resource")), handler);
            // API key items stay out of reach
            assertTrue(statementsOf(handler).stream().anyMatch(st -> "Deny".equals(st.get("Effect"))
                    && "NoApiKeyItems".equals(st.get("Sid"))), handler);
        }
    }

    @Test
    void sweep_runsEvery15Minutes_onItsAlias_andHasErrorsAndThrottlesAlarms() {
        String fnId = Synthesized.functionId(SWEEP_HANDLER);
        Map<String, Map<String, Object>> rules = resources("AWS::Events::Rule");
        assertEquals(2, rules.size(), "two schedules: the sweep's and the replay recovery's");
        Map<String, Object> p = rules.values().stream().map(Synthesized::props)
                .filter(r -> "rate(15 minutes)".equals(r.get("ScheduleExpression"))).findFirst().orElseThrow();
        assertEquals("rate(15 minutes)", p.get("ScheduleExpression"));
        assertEquals("ENABLED", p.get("State") == null ? "ENABLED" : p.get("State"));
        // the target is the alias "live", not $LATEST
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> targets = (List<Map<String, Object>>) p.get("Targets");
        assertEquals(1, targets.size());
        String aliasId = refId(targets.get(0).get("Arn"));
        assertNotNull(aliasId, String.valueOf(targets.get(0)));
        Map<String, Object> alias = resources("AWS::Lambda::Alias").get(aliasId);
        assertNotNull(alias, aliasId + " is no alias");
        assertEquals("live", props(alias).get("Name"));
        assertEquals(List.of(fnId), refsIn(props(alias).get("FunctionName")), "the sweep's alias");
        template().hasResourceProperties("AWS::Lambda::Permission", Match.objectLike(Map.of(
                "Action", "lambda:InvokeFunction", "Principal", "events.amazonaws.com",
                "FunctionName", Map.of("Ref", aliasId))));
        for (String metric : List.of("Errors", "Throttles")) {
            monitoring().hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                    "MetricName", metric, "Namespace", "AWS/Lambda",
                    "Dimensions", Match.arrayWith(List.of(Match.objectLike(Map.of(
                            "Name", "FunctionName", "Value", Map.of("Ref", fnId))))))));
        }
    }

    @Test
    void table_keepsPointInTimeRecovery_andItsTtlIsNoAttributeOfSubjectOrLifecycleItems() throws IOException {
        template().hasResourceProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "PointInTimeRecoverySpecification", Match.objectLike(Map.of("PointInTimeRecoveryEnabled", true)),
                "TimeToLiveSpecification", Map.of("AttributeName", LedgerTable.TTL_ATTRIBUTE, "Enabled", true))));
        Set<String> subjectAndLifecycleAttributes = Set.of("subject_id", "key_id", "wrapped_key", "created_at",
                "last_used_at", "services", "erased_at", "erasure_reason", "erasure_ref", "erasure_seq", "scheduled_for",
                "schedule_reason", "schedule_ref", "schedule_by", "tenant", "run_at", "floor_days", "version");
        assertFalse(subjectAndLifecycleAttributes.contains(LedgerTable.TTL_ATTRIBUTE));
        // and the code that writes those items never writes the TTL attribute
        Path root = Path.of(System.getProperty("loopgrid.repoRoot", "..")).toAbsolutePath().normalize();
        for (String file : List.of("DynamoSubjectKeyStore.java", "LifecycleWriters.java", "DynamoLifecycleStore.java")) {
            String src = Files.readString(root.resolve("functions/aws/src/main/java/dev/loopgrid/aws/store/" + file),
                    StandardCharsets.UTF_8);
            assertFalse(src.contains("TTL_ATTRIBUTE") || src.contains("\"" + LedgerTable.TTL_ATTRIBUTE + "\""),
                    file + " writes the TTL attribute");
        }
    }
}
