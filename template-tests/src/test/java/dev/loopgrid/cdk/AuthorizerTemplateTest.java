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

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * The key authorizer: a REQUEST authorizer on the live alias of its own function, API Gateway's result cache off by
 * default (both key headers must reach the function), opt-in caching keyed on {@code Authorization} only.
 */
class AuthorizerTemplateTest {
    private static final String HANDLER = "dev.loopgrid.aws.auth.ApiKeyAuthorizerHandler::handleRequest";

    private static String authorizerFunctionId() {
        return Synthesized.functionId(HANDLER);
    }

    /** The alias the authorizer's URI invokes. */
    private static String aliasOf(Map<String, Object> authorizer) {
        Map<String, Map<String, Object>> aliases = resources("AWS::Lambda::Alias");
        List<String> ids = refsIn(props(authorizer).get("AuthorizerUri")).stream().filter(aliases::containsKey).distinct().toList();
        assertEquals(1, ids.size(), "the authorizer URI names one alias: " + props(authorizer).get("AuthorizerUri"));
        return ids.get(0);
    }

    @Test
    void authorizer_isARequestAuthorizer_onTheLiveAliasOfTheAuthorizerFunction_withoutApiGatewayCaching() {
        template().resourceCountIs("AWS::ApiGateway::Authorizer", 1);
        Map<String, Object> authorizer = resources("AWS::ApiGateway::Authorizer").values().iterator().next();
        Map<String, Object> p = props(authorizer);
        assertEquals("REQUEST", p.get("Type"));
        assertEquals(Map.of("Ref", template().getResourceId("AWS::ApiGateway::RestApi")), p.get("RestApiId"));
        // caching off, and no identity source: API Gateway would otherwise answer 401 itself when one is missing
        assertEquals(0, p.get("AuthorizerResultTtlInSeconds"));
        assertFalse(p.containsKey("IdentitySource"), "identity sources would make both key headers mandatory: " + p.get("IdentitySource"));
        Map<String, Object> alias = props(resources("AWS::Lambda::Alias").get(aliasOf(authorizer)));
        assertEquals(LoopGridFunction.ALIAS, alias.get("Name"));
        assertEquals(authorizerFunctionId(), refId(alias.get("FunctionName")));
    }

    @Test
    void authorizerFunction_runsJava21WithSnapStart_tracing_itsSizing_andTheEnvironmentItReads() {
        template().hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                "Handler", HANDLER,
                "Runtime", "java21",
                "SnapStart", Map.of("ApplyOn", "PublishedVersions"),
                "TracingConfig", Map.of("Mode", "Active"),
                "MemorySize", 512,
                "Timeout", 10,
                "LoggingConfig", Map.of("LogGroup", Match.anyValue()),
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "LOOPGRID_TABLE", Map.of("Ref", template().getResourceId("AWS::DynamoDB::Table")),
                        "LOOPGRID_AUTH_CACHE_SECONDS", "60",
                        "LOOPGRID_USAGE_KEY_SCOPE", "LoopGrid",
                        "LOOPGRID_USAGE_TENANTS", String.join(",", Synthesized.TENANTS)))))));
        assertTrue(FunctionSizing.AUTHORIZER.timeoutSeconds() < FunctionSizing.API_GATEWAY_TIMEOUT_SECONDS);
    }

    @Test
    void authorizer_mayBeInvokedOnlyByApiGateway_forThisAuthorizer() {
        Map<String, Object> authorizer = resources("AWS::ApiGateway::Authorizer").values().iterator().next();
        String aliasId = aliasOf(authorizer);
        String authorizerId = template().getResourceId("AWS::ApiGateway::Authorizer");
        List<Map<String, Object>> permissions = resources("AWS::Lambda::Permission").values().stream()
                .filter(perm -> aliasId.equals(refId(props(perm).get("FunctionName")))).toList();
        assertEquals(1, permissions.size());
        Map<String, Object> perm = props(permissions.get(0));
        assertEquals("lambda:InvokeFunction", perm.get("Action"));
        assertEquals("apigateway.amazonaws.com", perm.get("Principal"));
        assertTrue(refsIn(perm.get("SourceArn")).contains(authorizerId), "scoped to the authorizer: " + perm.get("SourceArn"));
        assertTrue(perm.get("SourceArn").toString().contains("/authorizers/"), String.valueOf(perm.get("SourceArn")));
    }

    @Test
    void authorizer_hasAThrottlesAlarm_butNoErrorsAlarm_since401sAreFunctionErrors() {
        String fnId = authorizerFunctionId();
        for (String metric : List.of("Errors", "Throttles")) {
            monitoring().resourcePropertiesCountIs("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                    "Namespace", "AWS/Lambda",
                    "MetricName", metric,
                    "Dimensions", List.of(Map.of("Name", "FunctionName", "Value", Map.of("Ref", fnId))))),
                    metric.equals("Throttles") ? 1 : 0);
        }
    }

    @Test
    void gatewayCaching_isOptIn_andThenKeyedOnTheAuthorizationHeaderOnly() {
        Template cached = Template.fromStack(Synthesized.synthesize(
                new ApiConstruct.Auth(false, List.of(), 50, 100, 30, 300)));
        cached.resourceCountIs("AWS::ApiGateway::Authorizer", 1);
        cached.hasResourceProperties("AWS::ApiGateway::Authorizer", Map.of(
                "Type", "REQUEST",
                "AuthorizerResultTtlInSeconds", 300,
                "IdentitySource", "method.request.header.Authorization",
                "AuthorizerUri", Match.anyValue(),
                "Name", Match.anyValue(),
                "RestApiId", Match.anyValue()));
        // the in-function cache is set independently; no registered tenant: all share the default plan
        cached.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                "Handler", HANDLER,
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "LOOPGRID_AUTH_CACHE_SECONDS", "30",
                        "LOOPGRID_USAGE_TENANTS", Match.absent()))))));
        cached.resourceCountIs("AWS::ApiGateway::UsagePlan", 1);
    }
}
