package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.actions;
import static dev.loopgrid.cdk.Synthesized.props;
import static dev.loopgrid.cdk.Synthesized.refId;
import static dev.loopgrid.cdk.Synthesized.refsIn;
import static dev.loopgrid.cdk.Synthesized.resources;
import static dev.loopgrid.cdk.Synthesized.statements;
import static dev.loopgrid.cdk.Synthesized.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.Routes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

/**
 * Each function's role allows exactly what its {@link Routes.Access} (and, for the queue and the secret, its
 * part in the replay pipeline; for large decisions' content, what it does with decisions; for the key authorizer,
 * one GetItem on key records) needs, and API key items are reachable only by the key-admin functions and the
 * authorizer. The expected action sets are written out here, independently of the app's own lists, so a change
 * on either side shows.
 */
class LeastPrivilegeTemplateTest {
    private static final Set<String> READ = Set.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem");
    private static final Set<String> ENQUEUE_WRITES = Set.of("dynamodb:PutItem", "dynamodb:UpdateItem");
    private static final Set<String> REPORT_WRITES = Set.of("dynamodb:PutItem");
    private static final Set<String> REPORT_OBJECTS = Set.of("s3:PutObject", "s3:GetObject");
    /** An erasure purges the tenant's stored exports, every version: list them, delete them. */
    private static final Set<String> EXPORT_PURGE = Set.of("s3:ListBucket", "s3:ListBucketVersions", "s3:DeleteObject",
            "s3:DeleteObjectVersion");
    /** Reading large decisions' content: the objects, and listing the bucket so a missing object is a 404. */
    private static final Set<String> CONTENT_READ = Set.of("s3:GetObject", "s3:ListBucket");
    private static final Set<String> CONTENT_WRITE = Set.of("s3:GetObject", "s3:ListBucket", "s3:PutObject");
    /** The routes that record, serve, flag, correct, compare, verify, report, export or replay decisions, by name. */
    private static final Map<String, Set<String>> CONTENT = Map.ofEntries(
            Map.entry("RecordDecision", CONTENT_WRITE),
            Map.entry("RecordDecisionBatch", CONTENT_WRITE),
            // OTLP ingestion records decisions, large ones included
            Map.entry("OtlpTraces", CONTENT_WRITE), Map.entry("OtlpLogs", CONTENT_WRITE),
            Map.entry("ListDecisions", CONTENT_READ), Map.entry("GetDecision", CONTENT_READ),
            Map.entry("MarkIncorrect", CONTENT_READ), Map.entry("AttachCorrection", CONTENT_READ),
            Map.entry("ConfirmDecision", CONTENT_READ),
            Map.entry("CompareReplay", CONTENT_READ), Map.entry("VerifyIntegrity", CONTENT_READ),
            Map.entry("ComplianceReport", CONTENT_READ), Map.entry("ComplianceReportHtml", CONTENT_READ),
            Map.entry("ExportDecisions", CONTENT_READ), Map.entry("ExportGroundTruth", CONTENT_READ));
    /** Reading the verifiable log: tiles and checkpoints (and listing their buckets), the key's public half. */
    private static final Set<String> LOG_READ = Set.of("s3:GetObject", "s3:ListBucket", "kms:GetPublicKey");
    /** The log's routes and the functions that verify the table against the signed checkpoints. */
    private static final Set<String> LOG_READERS = Set.of("GetReceipt", "GetEntryReceipt", "LogCheckpoint",
            "LogConsistency", "LogTile", "LogKey", "VerifyIntegrity", "ComplianceReport", "ComplianceReportHtml");
    /** Lambda's reads of the table's stream, on the integrator's role (not item actions: no LeadingKeys). */
    private static final Set<String> STREAM_READ = Set.of("dynamodb:DescribeStream", "dynamodb:GetRecords",
            "dynamodb:GetShardIterator", "dynamodb:ListStreams");
    private static final String INTEGRATOR_HANDLER = Synthesized.INTEGRATOR_HANDLER;
    /** The routes that record decisions (POST /v1/decisions, and OTLP ingestion). */
    private static final Set<String> RECORDING_ROUTES = Set.of("RecordDecision", "RecordDecisionBatch", "OtlpTraces", "OtlpLogs");
    private static final Set<String> APPEND_WRITES = Set.of("dynamodb:TransactWriteItems", "dynamodb:PutItem",
            "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem");
    /** The key-admin routes: reads and (transactional, item by item) writes of key items, nothing else on the table. */
    private static final Set<String> KEYS_ITEMS = Set.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem",
            "dynamodb:UpdateItem");
    private static final List<String> KEY_ITEM_PATTERNS = List.of("APIKEY#*", "KEYS#*");
    /** What every function needs besides the table: its own log group, and X-Ray (which has no resource-level permissions). */
    private static final Set<String> BASELINE = Set.of("logs:CreateLogStream", "logs:PutLogEvents",
            "xray:PutTraceSegments", "xray:PutTelemetryRecords");
    private static final Set<String> WRITE_ACTIONS = Set.of("dynamodb:PutItem", "dynamodb:UpdateItem",
            "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:TransactWriteItems",
            "dynamodb:ConditionCheckItem", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete");

    private static final String WORKER_HANDLER = "dev.loopgrid.aws.worker.ReplayWorkerHandler::handleRequest";
    private static final String SWEEP_HANDLER = "dev.loopgrid.aws.worker.LifecycleSweepHandler::handleRequest";
    private static final String RECOVERY_HANDLER = "dev.loopgrid.aws.worker.ReplayRecoveryHandler::handleRequest";
    private static final String AUTHORIZER_HANDLER = "dev.loopgrid.aws.auth.ApiKeyAuthorizerHandler::handleRequest";
    private static final Set<String> SQS_CONSUME = Set.of("sqs:ReceiveMessage", "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl");
    private static final Set<String> SECRET_READ = Set.of("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret");

    private record Grant(String action, Object resource) {}

    private static List<Grant> grantsOf(Routes.Route route) {
        return grantsOf(route.lambdaHandler());
    }

    /** Every (action, resource) a function's role is allowed, from all the policies attached to it. */
    private static List<Grant> grantsOf(String handler) {
        List<Grant> grants = new ArrayList<>();
        for (Map<String, Object> statement : statementsOf(handler)) {
            if (!"Allow".equals(statement.get("Effect"))) continue;
            Object res = statement.get("Resource");
            List<?> resourcesOf = res instanceof List<?> l ? l : List.of(res);
            for (String action : actions(statement)) {
                for (Object r : resourcesOf) grants.add(new Grant(action, r));
            }
        }
        return grants;
    }

    /** Every statement of every policy attached to the role of the function with this handler. */
    private static List<Map<String, Object>> statementsOf(String handler) {
        String roleId = Synthesized.roleIdOf(handler);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> policy : resources("AWS::IAM::Policy").values()) {
            if (!refsIn(props(policy).get("Roles")).contains(roleId)) continue;
            for (Map<String, Object> statement : statements(policy)) {
                assertTrue(Set.of("Allow", "Deny").contains(statement.get("Effect")), String.valueOf(statement));
                out.add(statement);
            }
        }
        return out;
    }

    /** Every Lambda function's handler: the routes', the worker's, the authorizer's. */
    private static List<String> allHandlers() {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> f : resources("AWS::Lambda::Function").values()) out.add((String) props(f).get("Handler"));
        return out;
    }

    private static Routes.Access accessOf(String handler) {
        return Routes.ALL.stream().filter(r -> r.lambdaHandler().equals(handler)).map(Routes.Route::access)
                .findFirst().orElse(null);
    }

    /** The LeadingKeys patterns a statement's condition confines it to, or null when it has none. */
    @SuppressWarnings("unchecked")
    private static List<String> leadingKeys(Map<String, Object> statement, String operator) {
        Map<String, Object> condition = (Map<String, Object>) statement.get("Condition");
        if (condition == null || !(condition.get(operator) instanceof Map<?, ?> op)) return null;
        Object keys = op.get("dynamodb:LeadingKeys");
        if (keys == null) return null;
        return keys instanceof List<?> l ? (List<String>) l : List.of((String) keys);
    }

    /** Whether a StringLike pattern ending in {@code *} may match a key starting with {@code prefix}. */
    private static boolean mayMatch(String pattern, String prefix) {
        String literal = pattern.endsWith("*") ? pattern.substring(0, pattern.length() - 1) : pattern;
        if (literal.contains("*") || literal.contains("?")) return true; // inner wildcards: assume it may
        return literal.startsWith(prefix) || prefix.startsWith(literal);
    }

    private static Set<String> actionSet(List<Grant> grants) {
        return grants.stream().map(Grant::action).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> expected(Routes.Access access) {
        Set<String> out = new TreeSet<>(BASELINE);
        switch (access) {
            case NONE -> { }
            case READ, LOG -> out.addAll(READ);
            case ENQUEUE -> {
                out.addAll(READ);
                out.addAll(ENQUEUE_WRITES);
                out.add("sqs:SendMessage");
            }
            case APPEND -> {
                out.addAll(READ);
                out.addAll(APPEND_WRITES);
                out.addAll(List.of("dynamodb:BatchWriteItem", "dynamodb:DeleteItem")); // staging items only (appendFunctions_…)
            }
            case REPORT -> {
                out.addAll(READ);
                out.addAll(REPORT_WRITES);
                out.addAll(REPORT_OBJECTS);
            }
            case VERIFY -> {
                out.addAll(READ);
                out.addAll(REPORT_WRITES);
            }
            case LIFECYCLE -> {
                out.addAll(READ);
                out.addAll(APPEND_WRITES);
                out.add("dynamodb:DeleteItem");
                out.addAll(EXPORT_PURGE);
            }
            case KEYS -> out.addAll(KEYS_ITEMS);
        }
        return out;
    }

    private static Set<String> expected(Routes.Route route) {
        Set<String> out = expected(route.access());
        Set<String> content = CONTENT.getOrDefault(route.name(), Set.of());
        out.addAll(content);
        // sealed content: recording creates and unwraps data keys, reading unwraps them (SubjectKeysTemplateTest)
        if (content.equals(CONTENT_WRITE)) out.addAll(Set.of("kms:GenerateDataKey", "kms:Decrypt"));
        if (content.equals(CONTENT_READ)) out.add("kms:Decrypt");
        if (LOG_READERS.contains(route.name())) out.addAll(LOG_READ);
        return out;
    }

    @Test
    void everyFunction_isAllowedExactlyWhatItsAccessNeeds() {
        for (Routes.Route route : Routes.ALL) {
            assertEquals(expected(route), actionSet(grantsOf(route)), route.name() + " (" + route.access() + ")");
        }
    }

    @Test
    void replayWorker_appends_consumesTheQueue_readsTheProviderKeys_andContent_andNothingElse() {
        Set<String> expected = expected(Routes.Access.APPEND);
        expected.addAll(SQS_CONSUME);
        expected.addAll(SECRET_READ);
        expected.addAll(CONTENT_READ);
        expected.add("kms:Decrypt");
        assertEquals(expected, actionSet(grantsOf(WORKER_HANDLER)));
        String queueId = template().getResourceId("AWS::SQS::Queue",
                Match.objectLike(Map.of("Properties", Match.objectLike(Map.of("RedrivePolicy", Match.anyValue())))));
        String secretId = template().getResourceId("AWS::SecretsManager::Secret");
        for (Grant g : grantsOf(WORKER_HANDLER)) {
            if (g.action().startsWith("sqs:")) assertEquals(List.of(queueId), refsIn(g.resource()), g.action());
            if (g.action().startsWith("secretsmanager:")) assertEquals(List.of(secretId), refsIn(g.resource()), g.action());
        }
    }

    @Test
    void enqueueFunctions_writeOnlyReplayItems() {
        for (Routes.Route route : Routes.ALL) {
            if (route.access() != Routes.Access.ENQUEUE) continue;
            String functionId = template().getResourceId("AWS::Lambda::Function",
                    Match.objectLike(Map.of("Properties", Match.objectLike(Map.of("Handler", route.lambdaHandler())))));
            String roleId = refId(props(resources("AWS::Lambda::Function").get(functionId)).get("Role"));
            template().hasResourceProperties("AWS::IAM::Policy", Match.objectLike(Map.of(
                    "Roles", List.of(Map.of("Ref", roleId)),
                    "PolicyDocument", Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
                            "Action", List.of("dynamodb:PutItem", "dynamodb:UpdateItem"),
                            "Condition", Map.of("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", List.of("REP#*"))))))))))));
        }
    }

    @Test
    void appendFunctions_batchWriteAndDeleteOnlyStagingItems() {
        boolean any = false;
        for (Routes.Route route : Routes.ALL) {
            if (route.access() != Routes.Access.APPEND) continue;
            any = true;
            for (Map<String, Object> statement : statementsOf(route.lambdaHandler())) {
                if (!"Allow".equals(statement.get("Effect"))) continue;
                Object action = statement.get("Action");
                List<?> actions = action instanceof List<?> l ? l : List.of(action);
                if (!actions.contains("dynamodb:DeleteItem") && !actions.contains("dynamodb:BatchWriteItem")) continue;
                assertEquals(List.of("dynamodb:BatchWriteItem", "dynamodb:DeleteItem"), actions,
                        route.name() + ": BatchWriteItem and DeleteItem only in the staging statement");
                assertEquals(List.of("STAGE#*"), leadingKeys(statement, "ForAllValues:StringLike"),
                        route.name() + ": only on the chains' staging items");
            }
        }
        assertTrue(any);
    }

    @Test
    void reportAndVerifyFunctions_writeOnlyVerificationCheckpoints() {
        boolean any = false;
        for (Routes.Route route : Routes.ALL) {
            if (route.access() != Routes.Access.REPORT && route.access() != Routes.Access.VERIFY) continue;
            any = true;
            String functionId = template().getResourceId("AWS::Lambda::Function",
                    Match.objectLike(Map.of("Properties", Match.objectLike(Map.of("Handler", route.lambdaHandler())))));
            String roleId = refId(props(resources("AWS::Lambda::Function").get(functionId)).get("Role"));
            template().hasResourceProperties("AWS::IAM::Policy", Match.objectLike(Map.of(
                    "Roles", List.of(Map.of("Ref", roleId)),
                    "PolicyDocument", Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
                            "Action", "dynamodb:PutItem",
                            "Condition", Map.of("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", List.of("VERIFIED#*"))))))))))));
        }
        assertTrue(any, "no REPORT route");
    }

    /**
     * The reports bucket grants of a function as "action on where": where is reports/*, content/* or the bucket itself.
     * Every S3 grant names one of the stack's buckets: the reports bucket, or one of the log's (see {@link #logGrants}).
     */
    private static Set<String> bucketGrants(List<Grant> grants, String who) {
        String bucketId = Synthesized.reportsBucketId();
        Set<String> logBuckets = Set.of(Synthesized.tilesBucketId(), Synthesized.checkpointBucketId());
        Set<String> out = new TreeSet<>();
        for (Grant g : grants) {
            if (!g.action().startsWith("s3:")) continue;
            List<String> refs = refsIn(g.resource());
            assertEquals(1, refs.size(), who + " " + g.action() + " on " + g.resource());
            if (logBuckets.contains(refs.get(0))) continue;
            assertEquals(List.of(bucketId), refs, who + " " + g.action());
            String r = g.resource().toString();
            String where = r.contains("/reports/*/exports/*") ? "reports/*/exports/*"
                    : r.contains("/reports/*") ? "reports/*" : r.contains("/content/*") ? "content/*"
                    : r.contains("/") ? "other: " + r : "bucket";
            out.add(g.action() + " on " + where);
        }
        return out;
    }

    @Test
    void reportFunctions_touchReportObjects_andDecisionFunctions_contentObjects_andNothingElseOfTheBucket() {
        Set<String> reports = Set.of("s3:PutObject on reports/*", "s3:GetObject on reports/*");
        Set<String> read = Set.of("s3:GetObject on content/*", "s3:ListBucket on bucket");
        Set<String> write = Set.of("s3:GetObject on content/*", "s3:ListBucket on bucket", "s3:PutObject on content/*");
        Set<String> purge = Set.of("s3:ListBucket on bucket", "s3:ListBucketVersions on bucket",
                "s3:DeleteObject on reports/*/exports/*", "s3:DeleteObjectVersion on reports/*/exports/*");
        for (Routes.Route route : Routes.ALL) {
            Set<String> expected = new TreeSet<>();
            if (route.access() == Routes.Access.REPORT) expected.addAll(reports);
            if (route.access() == Routes.Access.LIFECYCLE) expected.addAll(purge);
            Set<String> content = CONTENT.getOrDefault(route.name(), Set.of());
            if (content.equals(CONTENT_READ)) expected.addAll(read);
            if (content.equals(CONTENT_WRITE)) expected.addAll(write);
            assertEquals(expected, bucketGrants(grantsOf(route), route.name()), route.name());
        }
        assertEquals(read, bucketGrants(grantsOf(WORKER_HANDLER), "worker"), "the replay worker reads content only");
        assertEquals(purge, bucketGrants(grantsOf(SWEEP_HANDLER), "sweep"), "the lifecycle sweep purges exports only");
        assertEquals(Set.of(), bucketGrants(grantsOf(RECOVERY_HANDLER), "recovery"), "replay recovery: no bucket");
    }

    @Test
    void onlyRecordingADecision_mayWriteContentObjects() {
        assertEquals(Set.of("RecordDecision", "RecordDecisionBatch", "OtlpTraces", "OtlpLogs"), RECORDING_ROUTES);
        for (Routes.Route route : Routes.ALL) {
            boolean writes = bucketGrants(grantsOf(route), route.name()).contains("s3:PutObject on content/*");
            assertEquals(RECORDING_ROUTES.contains(route.name()), writes, route.name());
        }
    }

    @Test
    void enqueueFunctions_sendOnlyToTheReplayQueue() {
        String queueId = template().getResourceId("AWS::SQS::Queue",
                Match.objectLike(Map.of("Properties", Match.objectLike(Map.of("RedrivePolicy", Match.anyValue())))));
        for (Routes.Route route : Routes.ALL) {
            for (Grant g : grantsOf(route)) {
                if (g.action().startsWith("sqs:")) {
                    assertEquals(Routes.Access.ENQUEUE, route.access(), route.name() + " " + g.action());
                    assertEquals(List.of(queueId), refsIn(g.resource()), route.name() + " " + g.action());
                }
            }
        }
    }

    @Test
    void keyFunctions_readAndWriteOnlyKeyItems_onTheTableAlone() {
        boolean any = false;
        for (Routes.Route route : Routes.ALL) {
            if (route.access() != Routes.Access.KEYS) continue;
            any = true;
            List<Map<String, Object>> onTable = statementsOf(route.lambdaHandler()).stream()
                    .filter(st -> actions(st).stream().anyMatch(a -> a.startsWith("dynamodb:"))).toList();
            assertEquals(1, onTable.size(), route.name() + ": one table statement, and no Deny needed: " + onTable);
            Map<String, Object> st = onTable.get(0);
            assertEquals("Allow", st.get("Effect"));
            assertEquals(KEYS_ITEMS, new TreeSet<>(actions(st)), route.name());
            assertEquals(Map.of("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", KEY_ITEM_PATTERNS)),
                    st.get("Condition"), route.name());
            assertEquals(Map.of("Fn::GetAtt", List.of(template().getResourceId("AWS::DynamoDB::Table"), "Arn")),
                    st.get("Resource"), route.name() + ": the table only, no index");
        }
        assertTrue(any, "no KEYS route");
    }

    @Test
    void authorizer_mayOnlyGetKeyRecordsByHash() {
        assertEquals(new TreeSet<>(union(BASELINE, Set.of("dynamodb:GetItem"))), actionSet(grantsOf(AUTHORIZER_HANDLER)));
        List<Map<String, Object>> onTable = statementsOf(AUTHORIZER_HANDLER).stream()
                .filter(st -> actions(st).stream().anyMatch(a -> a.startsWith("dynamodb:"))).toList();
        assertEquals(1, onTable.size(), String.valueOf(onTable));
        Map<String, Object> st = onTable.get(0);
        assertEquals("Allow", st.get("Effect"));
        assertEquals(List.of("dynamodb:GetItem"), actions(st));
        assertEquals(Map.of("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", List.of("APIKEY#*"))),
                st.get("Condition"));
        assertEquals(Map.of("Fn::GetAtt", List.of(template().getResourceId("AWS::DynamoDB::Table"), "Arn")),
                st.get("Resource"), "the table only, no index");
    }

    /**
     * Hardening: the functions whose Allow statements name the whole table (READ, ENQUEUE, APPEND, REPORT and the
     * worker) carry an explicit Deny of each item action they are allowed, whenever a partition key is a key item.
     */
    @Test
    void everyOtherTableFunction_isDeniedKeyItems_forEveryItemActionItIsAllowed() {
        String tableId = template().getResourceId("AWS::DynamoDB::Table");
        int checked = 0;
        for (String handler : allHandlers()) {
            Routes.Access access = accessOf(handler);
            if (handler.equals(AUTHORIZER_HANDLER) || access == Routes.Access.KEYS) continue;
            Set<String> allowed = new TreeSet<>();
            for (Grant g : grantsOf(handler)) if (g.action().startsWith("dynamodb:")) allowed.add(g.action());
            // TransactWriteItems is not authorized per item (its Put/Update/ConditionCheck are, see LedgerAccess)
            allowed.remove("dynamodb:TransactWriteItems");
            // nor are the stream's reads (the integrator's), which carry no partition key
            allowed.removeAll(STREAM_READ);
            // the key items' Deny (SubjectKeysTemplateTest checks the Denies on data subjects' items)
            List<Map<String, Object>> denies = statementsOf(handler).stream()
                    .filter(st -> "Deny".equals(st.get("Effect")))
                    .filter(st -> !String.valueOf(leadingKeys(st, "ForAnyValue:StringLike")).contains("SUBJECT#")).toList();
            if (allowed.isEmpty()) {
                assertTrue(denies.isEmpty(), handler + " has no table access, so no Deny either");
                continue;
            }
            checked++;
            assertEquals(1, denies.size(), handler);
            Map<String, Object> deny = denies.get(0);
            assertEquals(KEY_ITEM_PATTERNS, leadingKeys(deny, "ForAnyValue:StringLike"), handler);
            assertTrue(new TreeSet<>(actions(deny)).containsAll(allowed), handler + " denies " + actions(deny) + ", allowed " + allowed);
            List<?> res = (List<?>) deny.get("Resource");
            assertEquals(List.of(tableId), refsIn(res.get(0)), handler);
            assertTrue(res.toString().contains("/index/*"), handler + ": the Deny covers the indexes too");
        }
        // every route but the NONE and KEYS ones, plus the worker, the log's integrator, the lifecycle sweep and the
        // replay recovery
        long expected = Routes.ALL.stream().filter(r -> r.access() != Routes.Access.NONE && r.access() != Routes.Access.KEYS).count() + 4;
        assertEquals(expected, checked);
    }

    /**
     * No role but the key-admin functions' may write API key items, and none but theirs and the authorizer's may read
     * them: each allowed table action is either confined by its own LeadingKeys condition to other prefixes, or
     * denied on key items.
     */
    @Test
    void onlyKeyFunctions_writeKeyItems_andOnlyTheyAndTheAuthorizer_readThem() {
        for (String handler : allHandlers()) {
            boolean keysFunction = accessOf(handler) == Routes.Access.KEYS;
            List<Map<String, Object>> all = statementsOf(handler);
            for (Map<String, Object> st : all) {
                if (!"Allow".equals(st.get("Effect"))) continue;
                for (String action : actions(st)) {
                    if (!action.startsWith("dynamodb:") || action.equals("dynamodb:TransactWriteItems")) continue;
                    // the stream (integrator only, pinned by integrator_readsTheStream_ofTheLedgerTableOnly) carries new
                    // images of every item, key records' hashes included: readable, never writable, through it
                    if (STREAM_READ.contains(action)) continue;
                    boolean write = WRITE_ACTIONS.contains(action);
                    if (keysFunction) continue;
                    if (!write && handler.equals(AUTHORIZER_HANDLER)) continue;
                    List<String> confined = leadingKeys(st, "ForAllValues:StringLike");
                    boolean elsewhere = confined != null && confined.stream()
                            .noneMatch(p -> mayMatch(p, "APIKEY#") || mayMatch(p, "KEYS#"));
                    boolean denied = all.stream().anyMatch(d -> "Deny".equals(d.get("Effect"))
                            && actions(d).contains(action)
                            && leadingKeys(d, "ForAnyValue:StringLike") != null
                            && leadingKeys(d, "ForAnyValue:StringLike").containsAll(KEY_ITEM_PATTERNS));
                    assertTrue(elsewhere || denied, handler + " may " + (write ? "write" : "read") + " key items with " + action);
                }
            }
        }
        // the authorizer may read key records by hash, but never write
        assertTrue(actionSet(grantsOf(AUTHORIZER_HANDLER)).stream().noneMatch(WRITE_ACTIONS::contains));
    }

    /**
     * A chain's counters live in their own items ({@code CNT#<tenant>#<chain>}, written in the append's transaction):
     * every function that appends may update them and every function that reads a chain's statistics, lists or
     * verification may read them — no LeadingKeys condition confines those actions away from them, and no Deny
     * covers them.
     */
    @Test
    void appendingFunctions_mayUpdateCounterItems_andReadingFunctions_mayReadThem() {
        String pk = dev.loopgrid.aws.store.LedgerKeys.counterPk(new dev.loopgrid.core.ledger.ChainKey("t", "c"));
        String prefix = pk.substring(0, pk.lastIndexOf("t#c"));
        assertEquals("CNT#", prefix);
        int appenders = 0;
        int readers = 0;
        for (String handler : allHandlers()) {
            Routes.Access access = accessOf(handler);
            boolean appends = access == Routes.Access.APPEND || access == Routes.Access.LIFECYCLE
                    || handler.equals(WORKER_HANDLER);
            boolean reads = appends || access == Routes.Access.READ || access == Routes.Access.REPORT
                    || access == Routes.Access.VERIFY;
            List<String> needed = new ArrayList<>();
            if (appends) needed.add("dynamodb:UpdateItem");
            if (reads) needed.addAll(List.of("dynamodb:GetItem", "dynamodb:Query"));
            List<Map<String, Object>> all = statementsOf(handler);
            for (String action : needed) {
                boolean allowed = all.stream().anyMatch(st -> "Allow".equals(st.get("Effect")) && actions(st).contains(action)
                        && (leadingKeys(st, "ForAllValues:StringLike") == null
                            || leadingKeys(st, "ForAllValues:StringLike").stream().anyMatch(p -> mayMatch(p, prefix))));
                boolean denied = all.stream().anyMatch(st -> "Deny".equals(st.get("Effect")) && actions(st).contains(action)
                        && (leadingKeys(st, "ForAnyValue:StringLike") == null
                            || leadingKeys(st, "ForAnyValue:StringLike").stream().anyMatch(p -> mayMatch(p, prefix))));
                assertTrue(allowed && !denied, handler + " needs " + action + " on " + prefix + "* items");
            }
            if (appends) appenders++;
            if (reads && !appends) readers++;
        }
        assertTrue(appenders >= 5 && readers >= 5, appenders + " appending, " + readers + " reading functions checked");
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void readFunctions_haveNoWriteAction_andOnlyAppendAndLifecycleFunctionsMayTransactWrite() {
        for (Routes.Route route : Routes.ALL) {
            Set<String> actions = actionSet(grantsOf(route));
            if (route.access() == Routes.Access.READ || route.access() == Routes.Access.NONE) {
                assertTrue(actions.stream().noneMatch(WRITE_ACTIONS::contains), route.name() + " can write: " + actions);
            }
            assertEquals(route.access() == Routes.Access.APPEND || route.access() == Routes.Access.LIFECYCLE,
                    actions.contains("dynamodb:TransactWriteItems"), route.name());
        }
    }

    @Test
    void tableGrants_nameTheLedgerTable_andWritesNeverTheIndexes() {
        String tableId = template().getResourceId("AWS::DynamoDB::Table");
        for (Routes.Route route : Routes.ALL) {
            for (Grant g : grantsOf(route)) {
                if (!g.action().startsWith("dynamodb:")) continue;
                assertEquals(List.of(tableId), refsIn(g.resource()), route.name() + " " + g.action() + " on " + g.resource());
                boolean onIndexes = g.resource().toString().contains("/index/*");
                if (WRITE_ACTIONS.contains(g.action())) {
                    assertFalse(onIndexes, route.name() + " may write indexes with " + g.action());
                }
                if (route.access() == Routes.Access.KEYS) {
                    assertFalse(onIndexes, route.name() + " needs no index but has " + g.action() + " on " + g.resource());
                }
            }
        }
    }

    @Test
    void onlyXray_hasAWildcardResource_andTheRolesCarryNoManagedPolicies() {
        for (String handler : allHandlers()) {
            for (Grant g : grantsOf(handler)) {
                if ("*".equals(g.resource())) {
                    assertTrue(g.action().startsWith("xray:"), handler + " " + g.action() + " on *");
                }
            }
        }
        for (Map<String, Object> role : resources("AWS::IAM::Role").values()) {
            String assume = String.valueOf(props(role).get("AssumeRolePolicyDocument"));
            if (assume.contains("lambda.amazonaws.com")) {
                assertFalse(props(role).containsKey("ManagedPolicyArns"), "Lambda role with managed policies: " + role);
            }
        }
    }

    /** Identity policies only: the bucket's and queues' TLS-only policies deny {@code s3:*} / {@code sqs:*}, which is right. */
    @Test
    void noPolicyInTheStack_hasAWildcardAction() {
        for (var e : resources("AWS::IAM::Policy").entrySet()) {
            for (Map<String, Object> statement : statements(e.getValue())) {
                for (String action : actions(statement)) {
                    assertFalse(action.contains("*"), e.getKey() + " allows " + action);
                }
            }
        }
    }

    @Test
    void onlyTheWorker_canReadTheProviderKeys() {
        String secretId = template().getResourceId("AWS::SecretsManager::Secret");
        String workerRole = refId(props(resources("AWS::Lambda::Function").get(template().getResourceId(
                "AWS::Lambda::Function", Match.objectLike(Map.of("Properties",
                        Match.objectLike(Map.of("Handler", WORKER_HANDLER))))))).get("Role"));
        for (Map<String, Object> policy : resources("AWS::IAM::Policy").values()) {
            boolean mentionsSecret = refsIn(props(policy).get("PolicyDocument")).contains(secretId)
                    || statements(policy).stream().anyMatch(st -> actions(st).stream().anyMatch(a -> a.startsWith("secretsmanager:")));
            if (mentionsSecret) {
                assertEquals(List.of(workerRole), refsIn(props(policy).get("Roles")), "the provider keys are granted beyond the worker");
            }
        }
    }

    // ---- the verifiable log ----

    /** A function's grants on the log's buckets and key, as "action on where". */
    private static Set<String> logGrants(List<Grant> grants) {
        String tiles = Synthesized.tilesBucketId();
        String checkpoints = Synthesized.checkpointBucketId();
        String key = Synthesized.logKeyId();
        Set<String> out = new TreeSet<>();
        for (Grant g : grants) {
            List<String> refs = refsIn(g.resource());
            if (refs.size() != 1) continue;
            String r = g.resource().toString();
            if (refs.get(0).equals(tiles)) {
                out.add(g.action() + " on tiles " + (r.contains("/log/*") ? "log/*" : r.contains("/") ? "other: " + r : "bucket"));
            } else if (refs.get(0).equals(checkpoints)) {
                out.add(g.action() + " on checkpoints " + (r.contains("/checkpoints/*") ? "checkpoints/*"
                        : r.contains("/") ? "other: " + r : "bucket"));
            } else if (refs.get(0).equals(key)) {
                out.add(g.action() + " on key");
            }
        }
        return out;
    }

    private static final Set<String> LOG_READ_GRANTS = Set.of(
            "s3:GetObject on tiles log/*", "s3:ListBucket on tiles bucket",
            "s3:GetObject on checkpoints checkpoints/*", "s3:ListBucket on checkpoints bucket",
            "kms:GetPublicKey on key");

    @Test
    void logReaders_readTilesCheckpointsAndThePublicKey_andNoOtherFunctionTouchesTheLog() {
        for (Routes.Route route : Routes.ALL) {
            Set<String> expected = LOG_READERS.contains(route.name()) ? LOG_READ_GRANTS : Set.of();
            assertEquals(expected, logGrants(grantsOf(route)), route.name());
        }
        assertEquals(Set.of(), logGrants(grantsOf(WORKER_HANDLER)), "the replay worker");
        assertEquals(Set.of(), logGrants(grantsOf(AUTHORIZER_HANDLER)), "the key authorizer");
    }

    @Test
    void integrator_readsTheLog_writesTilesAndLockedCheckpoints_andSigns() {
        Set<String> expected = new TreeSet<>(LOG_READ_GRANTS);
        expected.addAll(Set.of("s3:PutObject on tiles log/*",
                "s3:PutObject on checkpoints checkpoints/*", "s3:PutObjectRetention on checkpoints checkpoints/*",
                "kms:Sign on key"));
        assertEquals(expected, logGrants(grantsOf(INTEGRATOR_HANDLER)));
    }

    @Test
    void integrator_isAllowedExactlyWhatIntegrationNeeds() {
        Set<String> expected = new TreeSet<>(BASELINE);
        expected.addAll(READ);
        expected.addAll(Set.of("dynamodb:TransactWriteItems", "dynamodb:PutItem", "dynamodb:UpdateItem"));
        expected.addAll(STREAM_READ);
        expected.addAll(Set.of("s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:PutObjectRetention",
                "kms:GetPublicKey", "kms:Sign"));
        // the on-failure destination (SqsDlq): Lambda sends the failed batch's description as the function's role
        expected.addAll(Set.of("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"));
        assertEquals(expected, actionSet(grantsOf(INTEGRATOR_HANDLER)));
        String failures = Synthesized.integratorFailuresId();
        for (Grant g : grantsOf(INTEGRATOR_HANDLER)) {
            if (g.action().startsWith("sqs:")) assertEquals(List.of(failures), refsIn(g.resource()), g.action());
        }
    }

    /** The integrator writes the log's own items only: never a chain, a projection or a key item. */
    @Test
    void integrator_writesOnlyTheLogsItems() {
        String tableId = template().getResourceId("AWS::DynamoDB::Table");
        boolean any = false;
        for (Map<String, Object> st : statementsOf(INTEGRATOR_HANDLER)) {
            if (!"Allow".equals(st.get("Effect"))) continue;
            for (String action : actions(st)) {
                if (!WRITE_ACTIONS.contains(action)) continue;
                any = true;
                assertEquals(List.of("LOG#*", "LOGRUN#*"), leadingKeys(st, "ForAllValues:StringLike"), action);
                assertEquals(Map.of("Fn::GetAtt", List.of(tableId, "Arn")), st.get("Resource"), action + ": the table only");
            }
        }
        assertTrue(any, "the integrator writes nothing");
    }

    @Test
    void integrator_readsTheStream_ofTheLedgerTableOnly_andNoOtherFunctionDoes() {
        String tableId = template().getResourceId("AWS::DynamoDB::Table");
        for (Grant g : grantsOf(INTEGRATOR_HANDLER)) {
            if (!STREAM_READ.contains(g.action())) continue;
            assertEquals(List.of(tableId), refsIn(g.resource()), g.action());
            assertTrue(g.resource().toString().contains("/stream/*"), g.action() + " on " + g.resource());
        }
        for (String handler : allHandlers()) {
            if (handler.equals(INTEGRATOR_HANDLER)) continue;
            assertTrue(actionSet(grantsOf(handler)).stream().noneMatch(STREAM_READ::contains), handler);
        }
    }

    /** Exactly one role may sign with the log's key, the integrator's; the key policy denies every other principal. */
    @Test
    void onlyTheIntegrator_maySignCheckpoints() {
        String integratorRole = Synthesized.roleIdOf(INTEGRATOR_HANDLER);
        List<String> signers = new ArrayList<>();
        for (Map<String, Object> policy : resources("AWS::IAM::Policy").values()) {
            for (Map<String, Object> st : statements(policy)) {
                if ("Allow".equals(st.get("Effect")) && actions(st).contains("kms:Sign")) {
                    signers.addAll(refsIn(props(policy).get("Roles")));
                    assertEquals(List.of(Synthesized.logKeyId()), refsIn(st.get("Resource")), "kms:Sign on " + st.get("Resource"));
                }
            }
        }
        assertEquals(List.of(integratorRole), signers);
        for (Routes.Route route : Routes.ALL) {
            assertFalse(actionSet(grantsOf(route)).contains("kms:Sign"), route.name() + " may sign");
        }
        for (String handler : List.of(WORKER_HANDLER, AUTHORIZER_HANDLER)) {
            assertFalse(actionSet(grantsOf(handler)).contains("kms:Sign"), handler + " may sign");
        }
        // the key policy: an explicit Deny of kms:Sign to anyone but the integrator's role
        template().hasResourceProperties("AWS::KMS::Key", Match.objectLike(Map.of(
                "KeyPolicy", Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Effect", "Deny",
                        "Principal", Map.of("AWS", "*"),
                        "Action", "kms:Sign",
                        "Condition", Map.of("ArnNotEquals", Map.of("aws:PrincipalArn",
                                Map.of("Fn::GetAtt", List.of(integratorRole, "Arn")))))))))))));
    }

    @Test
    void noRoute_mayWriteTheLog() {
        for (Routes.Route route : Routes.ALL) {
            for (String g : logGrants(grantsOf(route))) {
                assertFalse(g.startsWith("s3:Put") || g.startsWith("kms:Sign"), route.name() + " may " + g);
            }
            for (Map<String, Object> st : statementsOf(route.lambdaHandler())) {
                List<String> confined = leadingKeys(st, "ForAllValues:StringLike");
                if (!"Allow".equals(st.get("Effect")) || confined == null) continue;
                assertTrue(confined.stream().noneMatch(p -> mayMatch(p, "LOG#") || mayMatch(p, "LOGRUN#")),
                        route.name() + " may write log items: " + confined);
            }
            if (route.access() == Routes.Access.LOG) {
                assertTrue(actionSet(grantsOf(route)).stream().noneMatch(WRITE_ACTIONS::contains), route.name() + " can write");
            }
        }
    }
}
