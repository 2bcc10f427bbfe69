package dev.loopgrid.cdk;

import dev.loopgrid.aws.auth.ApiKeyAuthorizerHandler;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.apigateway.CfnAuthorizer;
import software.amazon.awscdk.services.apigateway.IdentitySource;
import software.amazon.awscdk.services.apigateway.RequestAuthorizer;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.constructs.Construct;

/**
 * The API's key authorizer: a {@link LoopGridFunction} running {@link ApiKeyAuthorizerHandler} (same jar, Java 21,
 * SnapStart — it holds no secret, only a DynamoDB client and an empty cache at snapshot time) behind a Lambda
 * REQUEST authorizer that API Gateway calls through the function's alias {@value LoopGridFunction#ALIAS}.
 *
 * <p><b>Identity sources and caching.</b> The API accepts a key in either {@code Authorization: Bearer …} or
 * {@code X-Api-Key}. For a REQUEST authorizer with result caching on (TTL &gt; 0) API Gateway requires identity
 * sources, uses them as the cache key, and answers 401 <em>without calling the authorizer</em> when any of them is
 * missing or empty (CloudFormation {@code AWS::ApiGateway::Authorizer.IdentitySource}:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-authorizer.html). Caching
 * keyed on one header would therefore lock out clients sending the other, and keying on both would demand both. So
 * by default API Gateway caching is off ({@code AuthorizerResultTtlInSeconds: 0}) and no identity source is declared
 * (optional when caching is off): the authorizer sees every request and reads whichever header is present, and its
 * own in-function cache ({@code LOOPGRID_AUTH_CACHE_SECONDS}) spares DynamoDB. {@code gatewayCacheSeconds > 0} opts
 * into API Gateway caching keyed on {@code Authorization} only — cheaper (no invocation per request), but
 * {@code X-Api-Key}-only clients then get 401.
 */
public final class KeyAuthorizerConstruct extends Construct {
    /** The header the opt-in API Gateway cache is keyed on (the one the SDKs send). */
    public static final String CACHED_IDENTITY_HEADER = "Authorization";

    /**
     * @param lambdaJar           the jar
     * @param table               the ledger table (keys are items in it)
     * @param tenant              {@code LOOPGRID_TENANT} (unused by the authorizer; every function has it)
     * @param usageTenants        tenants registered for their own usage plan ({@code LOOPGRID_USAGE_TENANTS})
     * @param keyCacheSeconds     the in-function cache of verified keys ({@code LOOPGRID_AUTH_CACHE_SECONDS})
     * @param gatewayCacheSeconds API Gateway's authorizer result cache; 0 = off
     */
    public record Props(Path lambdaJar, ITable table, String tenant, List<String> usageTenants,
                        int keyCacheSeconds, int gatewayCacheSeconds) {}

    private final LoopGridFunction function;
    private final RequestAuthorizer authorizer;

    public KeyAuthorizerConstruct(Construct scope, String id, Props props) {
        super(scope, id);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LOOPGRID_AUTH_CACHE_SECONDS", Integer.toString(props.keyCacheSeconds()));
        // usage-key values are unique per account and region: derived from the stack's name (UsageKeys)
        env.put("LOOPGRID_USAGE_KEY_SCOPE", software.amazon.awscdk.Stack.of(this).getStackName());
        // unset when no tenant is registered: everyone is counted in the shared plan
        if (!props.usageTenants().isEmpty()) env.put("LOOPGRID_USAGE_TENANTS", String.join(",", props.usageTenants()));
        function = new LoopGridFunction(this, "Function", new LoopGridFunction.Spec(
                "Authorizer", "API key authorizer (REQUEST)", ApiKeyAuthorizerHandler.class.getName() + "::handleRequest",
                FunctionSizing.AUTHORIZER, LedgerAccess.authorizer(props.table()),
                props.lambdaJar(), props.table(), props.tenant(), env, true));

        boolean cached = props.gatewayCacheSeconds() > 0;
        authorizer = RequestAuthorizer.Builder.create(this, "RequestAuthorizer")
                .handler(function.alias())
                .identitySources(cached ? List.of(IdentitySource.header(CACHED_IDENTITY_HEADER)) : List.of())
                .resultsCacheTtl(Duration.seconds(props.gatewayCacheSeconds()))
                .build();
        if (!cached) {
            // CDK writes the empty list as IdentitySource "" — leave the property out instead: with caching off it
            // is optional, and without it API Gateway validates no header before calling the authorizer.
            ((CfnAuthorizer) authorizer.getNode().getDefaultChild()).addPropertyDeletionOverride("IdentitySource");
        }
    }

    public LoopGridFunction function() { return function; }
    public RequestAuthorizer authorizer() { return authorizer; }
}
