package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.template;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.Routes;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class StackTemplateTest {

    @Test
    void stack_outputsApiUrl_tableName_bucketName_queueUrl() {
        template().hasOutput("ApiUrl", Match.objectLike(Map.of("Value", Match.anyValue())));
        template().hasOutput("TableName", Map.of("Description", Match.anyValue(),
                "Value", Map.of("Ref", template().getResourceId("AWS::DynamoDB::Table"))));
        template().hasOutput("BucketName", Map.of("Description", Match.anyValue(),
                "Value", Map.of("Ref", template().getResourceId("AWS::S3::Bucket"))));
        template().hasOutput("QueueUrl", Match.objectLike(Map.of("Value", Match.anyValue())));
        template().hasOutput("ApiKeyId", Match.objectLike(Map.of("Value", Match.anyValue())));
    }

    @Test
    void stack_holdsExactlyTheExpectedResourceCounts() {
        int routes = Routes.ALL.size();
        int functions = routes + 1; // + the replay worker
        Map<String, Integer> expected = Map.ofEntries(
                Map.entry("AWS::DynamoDB::Table", 1),
                Map.entry("AWS::SQS::Queue", 2),
                Map.entry("AWS::S3::Bucket", 1),
                Map.entry("AWS::SecretsManager::Secret", 1),
                Map.entry("AWS::SNS::Topic", 1),
                Map.entry("AWS::Lambda::Function", functions),
                Map.entry("AWS::Lambda::EventSourceMapping", 1),
                // one role per function + API Gateway's account-level CloudWatch role
                Map.entry("AWS::IAM::Role", functions + 1),
                Map.entry("AWS::ApiGateway::Method", routes),
                Map.entry("AWS::CloudWatch::Alarm", 3 + 2 * functions));
        expected.forEach((type, count) -> template().resourceCountIs(type, count));
    }

    @Test
    void noCustomResourceOrHelperFunction_sneaksIn() {
        assertTrue(Synthesized.resources("AWS::CloudFormation::CustomResource").isEmpty());
        assertFalse(template().toJSON().toString().contains("Custom::"), "a custom resource brings its own function and role");
    }

    @Test
    void openApi_deploysWithoutApiKey() {
        Template open = Template.fromStack(Synthesized.synthesize(false));
        open.resourceCountIs("AWS::ApiGateway::ApiKey", 0);
        open.resourceCountIs("AWS::ApiGateway::UsagePlan", 0);
        open.allResourcesProperties("AWS::ApiGateway::Method", Match.objectLike(Map.of("ApiKeyRequired", false)));
    }

    @Test
    void missingLambdaJar_failsNamingTheBuildCommand() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LoopGridApp.requireJar(Path.of("target", "no-such-lambda.jar")));
        assertTrue(e.getMessage().contains("mvn -B install -DskipTests"), e.getMessage());
        assertTrue(e.getMessage().contains("loopgrid:lambdaJar"), e.getMessage());
    }
}
