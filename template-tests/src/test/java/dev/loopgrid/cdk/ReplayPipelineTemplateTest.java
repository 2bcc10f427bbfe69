package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.props;
import static dev.loopgrid.cdk.Synthesized.refId;
import static dev.loopgrid.cdk.Synthesized.refsIn;
import static dev.loopgrid.cdk.Synthesized.resources;
import static dev.loopgrid.cdk.Synthesized.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

class ReplayPipelineTemplateTest {

    private static String queueWithRedrive() {
        return template().getResourceId("AWS::SQS::Queue",
                Match.objectLike(Map.of("Properties", Match.objectLike(Map.of("RedrivePolicy", Match.anyValue())))));
    }

    @Test
    void pipeline_isOneQueuePlusItsDeadLetterQueue_andOneSecret() {
        // + the log integrator's on-failure queue (VerifiableLogTemplateTest)
        template().resourceCountIs("AWS::SQS::Queue", 3);
        assertTrue(resources("AWS::SQS::Queue").containsKey(Synthesized.replayDlqId()));
        template().resourceCountIs("AWS::SecretsManager::Secret", 1);
    }

    @Test
    void queue_redrivesToTheDlq_afterABoundedNumberOfReceives() {
        String queueId = queueWithRedrive();
        @SuppressWarnings("unchecked")
        Map<String, Object> redrive = (Map<String, Object>) props(resources("AWS::SQS::Queue").get(queueId)).get("RedrivePolicy");
        assertEquals(ReplayPipelineConstruct.MAX_RECEIVE_COUNT, ((Number) redrive.get("maxReceiveCount")).intValue());
        assertEquals(5, ReplayPipelineConstruct.MAX_RECEIVE_COUNT);
        String dlqId = refId(redrive.get("deadLetterTargetArn"));
        assertTrue(resources("AWS::SQS::Queue").containsKey(dlqId) && !dlqId.equals(queueId), "redrive targets the other queue");
    }

    @Test
    void worker_consumesTheQueue_throughItsLiveAlias_reportingBatchItemFailures() {
        String queueId = queueWithRedrive();
        // the replay queue's, and the log integrator's on the table's stream (VerifiableLogTemplateTest)
        template().resourceCountIs("AWS::Lambda::EventSourceMapping", 2);
        template().hasResourceProperties("AWS::Lambda::EventSourceMapping", Match.objectLike(Map.of(
                "EventSourceArn", Map.of("Fn::GetAtt", List.of(queueId, "Arn")),
                "FunctionResponseTypes", List.of("ReportBatchItemFailures"),
                "BatchSize", 1)));
        String aliasId = workerAliasId();
        assertEquals(LoopGridFunction.ALIAS, props(resources("AWS::Lambda::Alias").get(aliasId)).get("Name"));
        template().hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                "Handler", "dev.loopgrid.aws.worker.ReplayWorkerHandler::handleRequest",
                "Runtime", "java21",
                // reads the provider keys at init: under SnapStart that would happen at publish time
                "SnapStart", Match.absent(),
                "Timeout", ReplayPipelineConstruct.WORKER_TIMEOUT_SECONDS,
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "LOOPGRID_QUEUE_URL", Map.of("Ref", queueId),
                        "LOOPGRID_MAX_RECEIVES", String.valueOf(ReplayPipelineConstruct.MAX_RECEIVE_COUNT),
                        "LOOPGRID_PROVIDER_SECRET_ARN", Map.of("Ref", template().getResourceId("AWS::SecretsManager::Secret")),
                        "LOOPGRID_CONTENT_BUCKET", Map.of("Ref", Synthesized.reportsBucketId())))))));
    }

    /** The mappings that consume the replay queue. */
    private static List<Map<String, Object>> queueMappings() {
        String queueId = queueWithRedrive();
        return resources("AWS::Lambda::EventSourceMapping").values().stream()
                .filter(m -> refsIn(props(m).get("EventSourceArn")).contains(queueId)).toList();
    }

    /** The alias an event source mapping invokes (its FunctionName is built from the alias ARN). */
    private static String workerAliasId() {
        List<Map<String, Object>> mappings = queueMappings();
        assertEquals(1, mappings.size(), "one consumer of the replay queue");
        Map<String, Object> mapping = mappings.get(0);
        return refsIn(props(mapping).get("FunctionName")).stream()
                .filter(resources("AWS::Lambda::Alias")::containsKey).findFirst()
                .orElseThrow(() -> new AssertionError("the event source mapping does not invoke an alias"));
    }

    /** Visibility timeout ≥ 6 × the timeout of every function consuming the queue (AWS's advice for SQS event sources). */
    @Test
    void visibilityTimeout_isAtLeastSixTimesTheWorkerTimeout() {
        int visibility = ((Number) props(resources("AWS::SQS::Queue").get(queueWithRedrive()))
                .get("VisibilityTimeout")).intValue();
        List<Map<String, Object>> mappings = queueMappings();
        assertTrue(!mappings.isEmpty(), "no consumer of the replay queue");
        for (Map<String, Object> mapping : mappings) {
            String aliasId = refsIn(props(mapping).get("FunctionName")).stream()
                    .filter(resources("AWS::Lambda::Alias")::containsKey).findFirst().orElseThrow();
            String fn = refId(props(resources("AWS::Lambda::Alias").get(aliasId)).get("FunctionName"));
            int timeout = ((Number) props(resources("AWS::Lambda::Function").get(fn)).getOrDefault("Timeout", 3)).intValue();
            assertEquals(ReplayPipelineConstruct.WORKER_TIMEOUT_SECONDS, timeout);
            assertTrue(visibility >= 6 * timeout, "visibility " + visibility + " < 6 × " + timeout);
        }
    }

    @Test
    void queues_areEncrypted_andRefusePlainHttp() {
        template().allResourcesProperties("AWS::SQS::Queue", Match.objectLike(Map.of("SqsManagedSseEnabled", true)));
        template().resourceCountIs("AWS::SQS::QueuePolicy", 3);
        template().allResourcesProperties("AWS::SQS::QueuePolicy", Match.objectLike(Map.of(
                "PolicyDocument", Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Effect", "Deny",
                        "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))))));
    }
}
