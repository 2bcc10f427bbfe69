package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.monitoring;

import static dev.loopgrid.cdk.Synthesized.props;
import static dev.loopgrid.cdk.Synthesized.refId;
import static dev.loopgrid.cdk.Synthesized.refsIn;
import static dev.loopgrid.cdk.Synthesized.resources;
import static dev.loopgrid.cdk.Synthesized.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The verifiable log in AWS: its key, its buckets, the table's stream, the integrator and its event source mapping. */
class VerifiableLogTemplateTest {
    private static final String INTEGRATOR = Synthesized.INTEGRATOR_HANDLER;

    @Test
    void signingKey_isAnEd25519SigningKey_retained_andNotRotated() {
        // the log's signing key and the data-subject key (SubjectKeysTemplateTest); this one is the log's
        template().resourceCountIs("AWS::KMS::Key", 2);
        assertEquals(1, resources("AWS::KMS::Key").entrySet().stream()
                .filter(e -> e.getKey().equals(Synthesized.logKeyId())
                        && "ECC_NIST_EDWARDS25519".equals(props(e.getValue()).get("KeySpec"))).count());
        template().hasResource("AWS::KMS::Key", Match.objectLike(Map.of(
                "DeletionPolicy", "Retain",
                "UpdateReplacePolicy", "Retain",
                "Properties", Match.objectLike(Map.of(
                        "KeySpec", "ECC_NIST_EDWARDS25519",
                        "KeyUsage", "SIGN_VERIFY",
                        "EnableKeyRotation", false)))));
    }

    @Test
    void checkpointBucket_hasObjectLock_inComplianceMode_for180DaysByDefault_versioned_andRetained() {
        Map<String, Object> bucket = resources("AWS::S3::Bucket").get(Synthesized.checkpointBucketId());
        assertEquals("Retain", bucket.get("DeletionPolicy"));
        assertEquals("Retain", bucket.get("UpdateReplacePolicy"));
        Map<String, Object> p = props(bucket);
        assertEquals(true, p.get("ObjectLockEnabled"));
        assertEquals(Map.of("ObjectLockEnabled", "Enabled",
                        "Rule", Map.of("DefaultRetention", Map.of("Mode", "COMPLIANCE", "Days", 180))),
                p.get("ObjectLockConfiguration"));
        assertEquals(Map.of("Status", "Enabled"), p.get("VersioningConfiguration"), "Object Lock requires versioning");
        assertFalse(p.containsKey("LifecycleConfiguration"), "nothing expires a checkpoint");
        // the only Object Lock bucket: tiles and reports have none
        for (String other : List.of(Synthesized.tilesBucketId(), Synthesized.reportsBucketId())) {
            assertFalse(props(resources("AWS::S3::Bucket").get(other)).containsKey("ObjectLockConfiguration"), other);
        }
    }

    @Test
    void checkpointRetention_followsTheContextSetting() {
        App app = Synthesized.newApp();
        LoopGridStack stack = LoopGridApp.createStack(app, "LoopGrid",
                StackProps.builder().env(Environment.builder().account(Synthesized.ACCOUNT).region(Synthesized.REGION).build()).build(),
                new LoopGridStack.Config(Synthesized.lambdaJar(), "default", null, ApiConstruct.Auth.keys(List.of()),
                        new VerifiableLogConstruct.Settings(365, 2000)));
        Template t = Template.fromStack(stack);
        t.hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of("ObjectLockConfiguration", Map.of(
                "ObjectLockEnabled", "Enabled",
                "Rule", Map.of("DefaultRetention", Map.of("Mode", "COMPLIANCE", "Days", 365))))));
        t.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                "Handler", INTEGRATOR,
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "LOOPGRID_CHECKPOINT_RETENTION_DAYS", "365",
                        "LOOPGRID_CHECKPOINT_INTERVAL_MS", "2000"))))));
    }

    @Test
    void ledgerTable_streamsNewImages() {
        template().hasResourceProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "StreamSpecification", Map.of("StreamViewType", "NEW_IMAGE"))));
    }

    private static Map<String, Object> streamMapping() {
        String tableId = template().getResourceId("AWS::DynamoDB::Table");
        List<Map<String, Object>> mappings = resources("AWS::Lambda::EventSourceMapping").values().stream()
                .filter(m -> refsIn(props(m).get("EventSourceArn")).contains(tableId)).toList();
        assertEquals(1, mappings.size(), "one consumer of the ledger table's stream");
        return props(mappings.get(0));
    }

    @Test
    void integrator_consumesTheStream_throughItsLiveAlias_onlyForNewEntries() throws Exception {
        Map<String, Object> m = streamMapping();
        assertEquals(Map.of("Fn::GetAtt", List.of(template().getResourceId("AWS::DynamoDB::Table"), "StreamArn")),
                m.get("EventSourceArn"));
        assertEquals("TRIM_HORIZON", m.get("StartingPosition"));
        assertEquals(VerifiableLogConstruct.BATCH_SIZE, ((Number) m.get("BatchSize")).intValue());
        assertEquals(1, ((Number) m.get("MaximumBatchingWindowInSeconds")).intValue());
        assertEquals(true, m.get("BisectBatchOnFunctionError"));
        assertEquals(VerifiableLogConstruct.RETRY_ATTEMPTS, ((Number) m.get("MaximumRetryAttempts")).intValue());
        assertTrue(VerifiableLogConstruct.RETRY_ATTEMPTS > 0 && VerifiableLogConstruct.RETRY_ATTEMPTS <= 10, "bounded retries");
        assertEquals(List.of("ReportBatchItemFailures"), m.get("FunctionResponseTypes"));
        assertEquals(Map.of("OnFailure", Map.of("Destination",
                        Map.of("Fn::GetAtt", List.of(Synthesized.integratorFailuresId(), "Arn")))),
                m.get("DestinationConfig"));

        // the filter: INSERTs of entry items only (pk CHAIN#…, sk E#…)
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> filters = (List<Map<String, Object>>) ((Map<String, Object>) m.get("FilterCriteria")).get("Filters");
        assertEquals(1, filters.size());
        JsonNode pattern = new ObjectMapper().readTree((String) filters.get(0).get("Pattern"));
        assertEquals(new ObjectMapper().readTree("""
                {"eventName": ["INSERT"],
                 "dynamodb": {"NewImage": {"pk": {"S": [{"prefix": "CHAIN#"}]}, "sk": {"S": [{"prefix": "E#"}]}}}}"""), pattern);
        assertEquals(dev.loopgrid.aws.store.LedgerKeys.chainPk(new dev.loopgrid.core.ledger.ChainKey("acme", "svc")),
                "CHAIN#acme#svc", "the filter's prefix is the store's");
        assertTrue(dev.loopgrid.aws.store.LedgerKeys.entrySk(7).startsWith("E#"));

        // it invokes the integrator's alias live
        String aliasId = refsIn(m.get("FunctionName")).stream().filter(resources("AWS::Lambda::Alias")::containsKey)
                .findFirst().orElseThrow(() -> new AssertionError("the mapping invokes no alias"));
        Map<String, Object> alias = props(resources("AWS::Lambda::Alias").get(aliasId));
        assertEquals(LoopGridFunction.ALIAS, alias.get("Name"));
        assertEquals(Synthesized.functionId(INTEGRATOR), refId(alias.get("FunctionName")));
    }

    @Test
    void integrator_isSizedForABatchAndACheckpoint_withSmallReservedConcurrency_noSnapStart_andTheLogsEnvironment() {
        template().hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                "Handler", INTEGRATOR,
                "Runtime", "java21",
                "MemorySize", VerifiableLogConstruct.INTEGRATOR_SIZING.memoryMb(),
                "Timeout", VerifiableLogConstruct.INTEGRATOR_SIZING.timeoutSeconds(),
                "ReservedConcurrentExecutions", VerifiableLogConstruct.INTEGRATOR_RESERVED_CONCURRENCY,
                "SnapStart", Match.absent(),
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "LOOPGRID_LOG_BUCKET", Map.of("Ref", Synthesized.tilesBucketId()),
                        "LOOPGRID_CHECKPOINT_BUCKET", Map.of("Ref", Synthesized.checkpointBucketId()),
                        "LOOPGRID_LOG_KMS_KEY", Map.of("Fn::GetAtt", List.of(Synthesized.logKeyId(), "Arn")),
                        "LOOPGRID_CHECKPOINT_INTERVAL_MS", "5000",
                        "LOOPGRID_CHECKPOINT_RETENTION_DAYS", "180"))))));
        assertTrue(VerifiableLogConstruct.INTEGRATOR_RESERVED_CONCURRENCY >= 2
                && VerifiableLogConstruct.INTEGRATOR_RESERVED_CONCURRENCY <= 5);
        // a checkpoint may be waited for (one interval) within the timeout, with room for the batch itself
        assertTrue(VerifiableLogConstruct.INTEGRATOR_SIZING.timeoutSeconds() * 1000L
                >= 2 * VerifiableLogConstruct.DEFAULT_CHECKPOINT_INTERVAL_MS);
    }

    @Test
    void integratorFailures_areKept14Days_encrypted_andAlarmed() {
        String queueId = Synthesized.integratorFailuresId();
        Map<String, Object> q = props(resources("AWS::SQS::Queue").get(queueId));
        assertEquals(14 * 24 * 3600, ((Number) q.get("MessageRetentionPeriod")).intValue());
        assertEquals(true, q.get("SqsManagedSseEnabled"));
        monitoring().hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "Namespace", "AWS/SQS",
                "MetricName", "ApproximateNumberOfMessagesVisible",
                "Dimensions", List.of(Map.of("Name", "QueueName", "Value", Map.of("Fn::GetAtt", List.of(queueId, "QueueName")))),
                "ComparisonOperator", "GreaterThanThreshold",
                "Threshold", 0)));
    }

    @Test
    void integrator_hasErrors_throttles_andIteratorAgeAlarms() {
        String fnId = Synthesized.functionId(INTEGRATOR);
        for (String metric : List.of("Errors", "Throttles")) {
            monitoring().hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                    "Namespace", "AWS/Lambda", "MetricName", metric,
                    "Dimensions", List.of(Map.of("Name", "FunctionName", "Value", Map.of("Ref", fnId))))));
        }
        monitoring().hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "Namespace", "AWS/Lambda",
                "MetricName", "IteratorAge",
                "Statistic", "Maximum",
                "Dimensions", List.of(Map.of("Name", "FunctionName", "Value", Map.of("Ref", fnId))),
                "ComparisonOperator", "GreaterThanOrEqualToThreshold",
                "Threshold", AlarmsConstruct.INTEGRATOR_ITERATOR_AGE_MS)));
    }

    /** Lambda checks the role's stream permissions when it creates the mapping: the mapping waits for the policy. */
    @Test
    void streamMapping_isCreatedAfterTheIntegratorsPolicy() {
        String tableId = template().getResourceId("AWS::DynamoDB::Table");
        Map.Entry<String, Map<String, Object>> mapping = resources("AWS::Lambda::EventSourceMapping").entrySet().stream()
                .filter(e -> refsIn(props(e.getValue()).get("EventSourceArn")).contains(tableId)).findFirst().orElseThrow();
        String roleId = Synthesized.roleIdOf(INTEGRATOR);
        String policyId = resources("AWS::IAM::Policy").entrySet().stream()
                .filter(e -> refsIn(props(e.getValue()).get("Roles")).contains(roleId)).map(Map.Entry::getKey)
                .findFirst().orElseThrow();
        Object dependsOn = mapping.getValue().get("DependsOn");
        assertTrue(dependsOn instanceof List<?> l && l.contains(policyId), "DependsOn " + dependsOn);
    }
}
