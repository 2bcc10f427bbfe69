package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.Routes;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class StackTemplateTest {

    @Test
    void stack_outputsApiUrl_tableName_bucketName_queueUrl_andTheLogsBucketsAndKey() {
        template().hasOutput("ApiUrl", Match.objectLike(Map.of("Value", Match.anyValue())));
        template().hasOutput("TableName", Map.of("Description", Match.anyValue(),
                "Value", Map.of("Ref", template().getResourceId("AWS::DynamoDB::Table"))));
        template().hasOutput("BucketName", Map.of("Description", Match.anyValue(),
                "Value", Map.of("Ref", Synthesized.reportsBucketId())));
        template().hasOutput("QueueUrl", Match.objectLike(Map.of("Value", Match.anyValue())));
        template().hasOutput("LogBucketName", Map.of("Description", Match.anyValue(),
                "Value", Map.of("Ref", Synthesized.tilesBucketId())));
        template().hasOutput("CheckpointBucketName", Map.of("Description", Match.anyValue(),
                "Value", Map.of("Ref", Synthesized.checkpointBucketId())));
        template().hasOutput("LogKeyArn", Map.of("Description", Match.anyValue(),
                "Value", Map.of("Fn::GetAtt", java.util.List.of(Synthesized.logKeyId(), "Arn"))));
        // the interim API Gateway key is gone: keys live in the table, created with `loopgrid-local.jar keys create --aws`
        Set<String> outputs = new java.util.TreeSet<>(template().findOutputs("*").keySet());
        outputs.removeIf(id -> id.startsWith("ApiRestApiEndpoint")); // CDK's own output of the RestApi URL
        assertEquals(Set.of("ApiUrl", "BucketName", "QueueUrl", "TableName", "LogBucketName", "CheckpointBucketName",
                "LogKeyArn", "SubjectKeyArn"), outputs);
    }

    /** CloudFormation refuses a stack of more than 500 resources (the template tests synthesize past it to check the rest). */
    @Test
    void stack_fitsCloudFormationsResourceLimit() {
        int resources = ((Map<?, ?>) template().toJSON().get("Resources")).size();
        assertTrue(resources <= 500, "the stack has " + resources + " resources; CloudFormation deploys at most 500 per stack");
        int nested = ((Map<?, ?>) Synthesized.monitoring().toJSON().get("Resources")).size();
        System.out.println("resources: main stack " + resources + ", monitoring stack " + nested);
        assertTrue(nested <= 500, "the monitoring stack has " + nested + " resources");
        // room left for what comes next: a new route brings about ten resources
        assertTrue(resources <= 480, "the stack has " + resources + " resources: less than two routes' room under 500");
    }

    @Test
    void stack_holdsExactlyTheExpectedResourceCounts() {
        int routes = Routes.ALL.size();
        // + the replay worker, the key authorizer, the log's integrator, the lifecycle sweep and the replay recovery
        int functions = routes + 5;
        int plans = Synthesized.TENANTS.size() + 1; // one per registered tenant + the shared one
        Map<String, Integer> expected = Map.ofEntries(
                Map.entry("AWS::DynamoDB::Table", 1),
                // replay queue and DLQ, the integrator's on-failure queue
                Map.entry("AWS::SQS::Queue", 3),
                // reports, log tiles, log checkpoints (Object Lock)
                Map.entry("AWS::S3::Bucket", 3),
                // the log's signing key, the data-subject key
                Map.entry("AWS::KMS::Key", 2),
                // the lifecycle sweep's and the replay recovery's schedules
                Map.entry("AWS::Events::Rule", 2),
                Map.entry("AWS::SecretsManager::Secret", 1),
                // the alarms and their topic: in the monitoring stack
                Map.entry("AWS::CloudFormation::Stack", 1),
                Map.entry("AWS::SNS::Topic", 0),
                Map.entry("AWS::CloudWatch::Alarm", 0),
                Map.entry("AWS::Lambda::Function", functions),
                // the replay queue's, the ledger stream's
                Map.entry("AWS::Lambda::EventSourceMapping", 2),
                // one role per function + API Gateway's account-level CloudWatch role
                Map.entry("AWS::IAM::Role", functions + 1),
                Map.entry("AWS::ApiGateway::Method", routes),
                Map.entry("AWS::ApiGateway::Authorizer", 1),
                Map.entry("AWS::ApiGateway::UsagePlan", plans),
                Map.entry("AWS::ApiGateway::ApiKey", plans),
                Map.entry("AWS::ApiGateway::UsagePlanKey", plans),
                Map.entry("AWS::ApiGateway::GatewayResponse", 11));
        expected.forEach((type, count) -> template().resourceCountIs(type, count));
        Synthesized.monitoring().resourceCountIs("AWS::SNS::Topic", 1);
        // errors and throttles per function, but no errors alarm on the authorizer; its key-store alarm instead;
        // the integrator's iterator age and failure queue
        Synthesized.monitoring().resourceCountIs("AWS::CloudWatch::Alarm", 3 + 2 * functions - 1 + 1 + 2);
    }

    @Test
    void noCustomResourceOrHelperFunction_sneaksIn() {
        assertTrue(Synthesized.resources("AWS::CloudFormation::CustomResource").isEmpty());
        assertFalse(template().toJSON().toString().contains("Custom::"), "a custom resource brings its own function and role");
    }

    @Test
    void openApi_deploysWithoutAuthorizerOrUsagePlans_functionsInOpenMode_andWarns() {
        LoopGridStack stack = Synthesized.synthesize(ApiConstruct.Auth.openApi());
        Template open = Template.fromStack(stack);
        open.resourceCountIs("AWS::ApiGateway::Authorizer", 0);
        open.resourceCountIs("AWS::ApiGateway::ApiKey", 0);
        open.resourceCountIs("AWS::ApiGateway::UsagePlan", 0);
        open.resourceCountIs("AWS::ApiGateway::UsagePlanKey", 0);
        open.resourceCountIs("AWS::Lambda::Function", Routes.ALL.size() + 4); // + the worker, the integrator, the sweep, the recovery
        open.allResourcesProperties("AWS::ApiGateway::Method", Match.objectLike(Map.of(
                "ApiKeyRequired", false, "AuthorizationType", "NONE")));
        open.hasResourceProperties("AWS::ApiGateway::RestApi", Match.objectLike(Map.of("ApiKeySourceType", Match.absent())));
        for (Routes.Route route : Routes.ALL) {
            open.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                    "Handler", route.lambdaHandler(),
                    "Environment", Map.of("Variables", Match.objectLike(Map.of("LOOPGRID_REQUIRE_KEYS", "false"))))));
        }
        // API Gateway's own errors keep the API's shape in open mode too
        open.resourceCountIs("AWS::ApiGateway::GatewayResponse", 11);
        Annotations.fromStack(stack).hasWarning("/LoopGrid/Api", Match.stringLikeRegexp(".*openApi=true.*no authorizer.*"));
    }

    @Test
    void keysRequired_synthesizesWithoutTheOpenApiWarning() {
        Annotations.fromStack(Synthesized.stack()).hasNoWarning("*", Match.stringLikeRegexp(".*openApi.*"));
    }

    @Test
    void missingLambdaJar_failsNamingTheBuildCommand() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LoopGridApp.requireJar(Path.of("target", "no-such-lambda.jar")));
        assertTrue(e.getMessage().contains("mvn -B install -DskipTests"), e.getMessage());
        assertTrue(e.getMessage().contains("loopgrid:lambdaJar"), e.getMessage());
    }
}
