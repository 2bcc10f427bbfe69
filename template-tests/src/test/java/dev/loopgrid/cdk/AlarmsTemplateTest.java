package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.monitoring;

import static dev.loopgrid.cdk.Synthesized.props;
import static dev.loopgrid.cdk.Synthesized.refsIn;
import static dev.loopgrid.cdk.Synthesized.resources;
import static dev.loopgrid.cdk.Synthesized.template;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.Routes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

class AlarmsTemplateTest {

    @Test
    void alarmCount_isDlqPlusApi5xxPlusAppendConflicts_plusErrorsAndThrottlesPerFunction_plusAuthorizerThrottles() {
        // functions: one per route plus the replay worker, the log's integrator, the lifecycle sweep and the replay
        // recovery; the authorizer has a throttles alarm
        // and one on its key-store-unavailable metric; the integrator also its iterator age and its failure queue
        monitoring().resourceCountIs("AWS::CloudWatch::Alarm", 3 + 2 * (Routes.ALL.size() + 4) + 2 + 2);
    }

    @Test
    void deadLetterQueueNotEmpty_alarms() {
        String dlqId = Synthesized.replayDlqId();
        monitoring().hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "Namespace", "AWS/SQS",
                "MetricName", "ApproximateNumberOfMessagesVisible",
                "Dimensions", List.of(Map.of("Name", "QueueName", "Value", Map.of("Fn::GetAtt", List.of(dlqId, "QueueName")))),
                "ComparisonOperator", "GreaterThanThreshold",
                "Threshold", 0)));
    }

    @Test
    void api5xxRate_alarms() {
        monitoring().hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "Namespace", "AWS/ApiGateway",
                "MetricName", "5XXError",
                "Statistic", "Average",
                "ComparisonOperator", "GreaterThanThreshold",
                "Threshold", AlarmsConstruct.API_5XX_RATE)));
    }

    @Test
    void everyFunction_hasAThrottlesAlarm_andAllButTheAuthorizerAnErrorsAlarm() {
        String authorizer = Synthesized.functionId("dev.loopgrid.aws.auth.ApiKeyAuthorizerHandler::handleRequest");
        for (String fnId : resources("AWS::Lambda::Function").keySet()) {
            for (String metric : fnId.equals(authorizer) ? List.of("Throttles") : List.of("Errors", "Throttles")) {
                monitoring().hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                        "Namespace", "AWS/Lambda",
                        "MetricName", metric,
                        "Dimensions", List.of(Map.of("Name", "FunctionName", "Value", Map.of("Ref", fnId))),
                        "Threshold", 1)));
            }
        }
    }

    @Test
    void appendConflicts_alarmOnTheFunctionsEmfMetric() {
        monitoring().hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "Namespace", "LoopGrid",
                "MetricName", "AppendConflicts",
                "Dimensions", List.of(Map.of("Name", "Service", "Value", "loopgrid")),
                "Statistic", "Sum")));
    }

    @Test
    void authorizerKeyStoreFailures_alarmOnTheAuthorizersEmfMetric() {
        monitoring().hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "Namespace", "LoopGrid",
                "MetricName", "AuthStoreUnavailable",
                "Dimensions", List.of(Map.of("Name", "Service", "Value", "loopgrid")),
                "Statistic", "Sum",
                "ComparisonOperator", "GreaterThanOrEqualToThreshold",
                "Threshold", 1)));
    }

    @Test
    void everyAlarm_notifiesTheAlarmTopic() {
        String topicId = monitoring().getResourceId("AWS::SNS::Topic");
        for (Map<String, Object> alarm : monitoring().findResources("AWS::CloudWatch::Alarm").values()) {
            assertTrue(refsIn(props(alarm).get("AlarmActions")).contains(topicId), String.valueOf(props(alarm).get("AlarmName")));
        }
    }
}
