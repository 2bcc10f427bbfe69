package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.actions;
import static dev.loopgrid.cdk.Synthesized.monitoring;
import static dev.loopgrid.cdk.Synthesized.props;
import static dev.loopgrid.cdk.Synthesized.refId;
import static dev.loopgrid.cdk.Synthesized.refsIn;
import static dev.loopgrid.cdk.Synthesized.resources;
import static dev.loopgrid.cdk.Synthesized.statements;
import static dev.loopgrid.cdk.Synthesized.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.worker.ReplayRecoveryHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

/**
 * The scheduled replay recovery: its function, schedule (every 5 minutes, on the alias {@code live}), the exact grant
 * (Query and DeleteItem on {@code REP#open#00} … {@code #15}, GetItem on {@code REP#*}, SendMessage to the replay queue; no bucket, no
 * key), its environment, its grace above the queue's visibility timeout, and its alarms.
 */
class ReplayRecoveryTemplateTest {
    private static final String HANDLER = "dev.loopgrid.aws.worker.ReplayRecoveryHandler::handleRequest";

    private static String queueId() {
        return template().getResourceId("AWS::SQS::Queue",
                Match.objectLike(Map.of("Properties", Match.objectLike(Map.of("RedrivePolicy", Match.anyValue())))));
    }

    private static List<Map<String, Object>> statementsOfRecovery() {
        String roleId = Synthesized.roleIdOf(HANDLER);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> policy : resources("AWS::IAM::Policy").values()) {
            if (refsIn(props(policy).get("Roles")).contains(roleId)) out.addAll(statements(policy));
        }
        return out;
    }

    private static Map<String, Object> allowing(String action) {
        List<Map<String, Object>> found = statementsOfRecovery().stream()
                .filter(st -> "Allow".equals(st.get("Effect")) && actions(st).contains(action)).toList();
        assertEquals(1, found.size(), action + ": " + found);
        return found.get(0);
    }

    @Test
    void recovery_runsEvery5Minutes_onItsLiveAlias_withoutSnapStart() {
        String fnId = Synthesized.functionId(HANDLER);
        Map<String, Object> rule = resources("AWS::Events::Rule").values().stream().map(Synthesized::props)
                .filter(r -> "rate(5 minutes)".equals(r.get("ScheduleExpression"))).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> targets = (List<Map<String, Object>>) rule.get("Targets");
        assertEquals(1, targets.size());
        String aliasId = refId(targets.get(0).get("Arn"));
        assertNotNull(aliasId, String.valueOf(targets.get(0)));
        Map<String, Object> alias = resources("AWS::Lambda::Alias").get(aliasId);
        assertNotNull(alias, aliasId + " is no alias");
        assertEquals("live", props(alias).get("Name"));
        assertEquals(List.of(fnId), refsIn(props(alias).get("FunctionName")));
        template().hasResourceProperties("AWS::Lambda::Permission", Match.objectLike(Map.of(
                "Action", "lambda:InvokeFunction", "Principal", "events.amazonaws.com",
                "FunctionName", Map.of("Ref", aliasId))));
        Map<String, Object> fn = props(resources("AWS::Lambda::Function").get(fnId));
        assertFalse(fn.containsKey("SnapStart"), String.valueOf(fn.get("SnapStart")));
    }

    @Test
    void recovery_hasExactlyItsGrant_andNoBucketNorKey() {
        String tableId = template().getResourceId("AWS::DynamoDB::Table");
        Set<String> allowed = new TreeSet<>();
        for (Map<String, Object> st : statementsOfRecovery()) {
            if ("Allow".equals(st.get("Effect"))) allowed.addAll(actions(st));
        }
        assertEquals(new TreeSet<>(Set.of("dynamodb:Query", "dynamodb:GetItem", "dynamodb:DeleteItem", "sqs:SendMessage",
                "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords")), allowed);
        assertTrue(allowed.stream().noneMatch(a -> a.startsWith("kms:") || a.startsWith("s3:")), String.valueOf(allowed));
        // each table action alone, on the table only (no index), confined by its partition keys
        // the open-replay index's 16 partitions, named exactly: a wildcard would reach tenant "open"'s replay items
        List<String> open = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) open.add(String.format("REP#open#%02d", i));
        Map<String, List<String>> keys = Map.of("dynamodb:Query", open,
                "dynamodb:GetItem", List.of("REP#*"), "dynamodb:DeleteItem", open);
        keys.forEach((action, patterns) -> {
            Map<String, Object> st = allowing(action);
            assertEquals(List.of(action), actions(st), action);
            assertEquals(List.of(tableId), refsIn(st.get("Resource")), action);
            assertFalse(String.valueOf(st.get("Resource")).contains("/index/"), action);
            assertEquals(Map.of("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", patterns)),
                    st.get("Condition"), action);
        });
        Map<String, Object> send = allowing("sqs:SendMessage");
        assertEquals(List.of("sqs:SendMessage"), actions(send));
        assertEquals(List.of(queueId()), refsIn(send.get("Resource")));
        // API key items and data subjects' items stay out of reach
        Set<String> denies = new TreeSet<>();
        for (Map<String, Object> st : statementsOfRecovery()) if ("Deny".equals(st.get("Effect"))) denies.add((String) st.get("Sid"));
        assertEquals(Set.of("NoApiKeyItems", "NoSubjectKeyWrites"), denies);
    }

    @Test
    @SuppressWarnings("unchecked")
    void recovery_knowsTheQueue_andNotTheKeyNorTheBuckets() {
        Map<String, Object> env = (Map<String, Object>) ((Map<String, Object>) props(resources("AWS::Lambda::Function")
                .get(Synthesized.functionId(HANDLER))).get("Environment")).get("Variables");
        assertEquals(List.of(queueId()), refsIn(env.get("LOOPGRID_QUEUE_URL")));
        assertEquals(Integer.toString(ReplayPipelineConstruct.MAX_RECEIVE_COUNT), env.get("LOOPGRID_MAX_RECEIVES"));
        for (String absent : List.of("LOOPGRID_SUBJECT_KMS_KEY", "LOOPGRID_REPORTS_BUCKET", "LOOPGRID_CONTENT_BUCKET",
                "LOOPGRID_LOG_BUCKET", "LOOPGRID_PROVIDER_SECRET_ARN")) {
            assertFalse(env.containsKey(absent), absent);
        }
    }

    /** A message still in flight is not queued twice: the grace outlasts the queue's visibility timeout. */
    @Test
    void grace_isAboveTheQueuesVisibilityTimeout() {
        Object visibility = props(resources("AWS::SQS::Queue").get(queueId())).get("VisibilityTimeout");
        assertEquals(ReplayPipelineConstruct.WORKER_TIMEOUT_SECONDS * ReplayPipelineConstruct.VISIBILITY_FACTOR,
                ((Number) visibility).intValue());
        assertTrue(ReplayRecoveryHandler.GRACE_SECONDS > ((Number) visibility).longValue(),
                ReplayRecoveryHandler.GRACE_SECONDS + " s vs " + visibility + " s");
    }

    @Test
    void recovery_hasErrorsAndThrottlesAlarms() {
        String fnId = Synthesized.functionId(HANDLER);
        for (String metric : List.of("Errors", "Throttles")) {
            monitoring().hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                    "MetricName", metric, "Namespace", "AWS/Lambda",
                    "Dimensions", Match.arrayWith(List.of(Match.objectLike(Map.of(
                            "Name", "FunctionName", "Value", Map.of("Ref", fnId))))))));
        }
    }
}
