package dev.loopgrid.cdk;

import dev.loopgrid.aws.Routes;
import dev.loopgrid.core.auth.ApiKeys;
import dev.loopgrid.core.auth.Permission;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigateway.ApiKeySourceType;
import software.amazon.awscdk.services.apigateway.AuthorizationType;
import software.amazon.awscdk.services.apigateway.EndpointType;
import software.amazon.awscdk.services.apigateway.IResource;
import software.amazon.awscdk.services.apigateway.LambdaIntegration;
import software.amazon.awscdk.services.apigateway.LogGroupLogDestination;
import software.amazon.awscdk.services.apigateway.MethodOptions;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.apigateway.StageOptions;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.sqs.IQueue;
import software.constructs.Construct;

/**
 * The REST API, generated from the route table {@link Routes#ALL}: one resource path and method per route,
 * each integrated (Lambda proxy) with the {@value LoopGridFunction#ALIAS} alias of its own {@link LoopGridFunction}.
 * The stage throttles, writes JSON access logs to a log group with a retention, and traces with X-Ray.
 *
 * <p>Access: every route whose {@link Permission} is not {@code PUBLIC} is behind the key authorizer
 * ({@link KeyAuthorizerConstruct}: {@code AuthorizationType CUSTOM}) and has {@code apiKeyRequired} so API Gateway
 * counts it against the tenant's usage plan ({@link TenantUsagePlansConstruct}, key source {@code AUTHORIZER}).
 * The authorizer establishes tenant and role; each function checks the role (403 with {@code detail}), and refuses
 * a request that reaches it without an authorizer principal ({@code LOOPGRID_REQUIRE_KEYS=true}). PUBLIC routes
 * ({@code /health}, {@code /}, {@code /openapi.json}, {@code /docs}, {@code /docs/{asset}}) have neither. API Gateway's own
 * errors answer in the API's error shape ({@link GatewayResponses}).
 *
 * <p>{@link Auth#open()} (context {@code loopgrid:openApi=true}) deploys without authorizer and usage plans: every
 * caller acts for {@code LOOPGRID_TENANT} with every permission, admin key endpoints included. For demos only.
 */
public final class ApiConstruct extends Construct {
    public static final String STAGE = "v1";
    public static final double THROTTLE_RATE = 100;
    public static final int THROTTLE_BURST = 200;

    /**
     * How callers are authenticated and throttled.
     *
     * @param open                no authorizer, no usage plans, functions in open single-tenant mode (unsafe)
     * @param tenants             tenants registered for a usage plan of their own ({@link ApiKeys#TENANT} names)
     * @param tenantRate          steady requests per second of each registered tenant
     * @param tenantBurst         burst of each registered tenant
     * @param keyCacheSeconds     how long the authorizer caches a verified key in the warm function
     *                            ({@code LOOPGRID_AUTH_CACHE_SECONDS}; also how long a revoked key may still pass)
     * @param gatewayCacheSeconds API Gateway's authorizer result cache, keyed on {@code Authorization} only; 0 = off
     */
    public record Auth(boolean open, List<String> tenants, double tenantRate, int tenantBurst, int keyCacheSeconds,
                       int gatewayCacheSeconds) {
        public static final double DEFAULT_TENANT_RATE = 50;
        public static final int DEFAULT_TENANT_BURST = 100;
        public static final int DEFAULT_KEY_CACHE_SECONDS = 60;
        /** API Gateway's limit on an authorizer's result TTL. */
        public static final int MAX_GATEWAY_CACHE_SECONDS = 3600;

        public Auth {
            tenants = List.copyOf(Objects.requireNonNull(tenants, "tenants"));
            var seen = new HashSet<String>();
            for (String t : tenants) {
                if (!ApiKeys.TENANT.matcher(t).matches()) {
                    throw new IllegalArgumentException("loopgrid:tenants: \"" + t + "\" is not a tenant name ("
                            + ApiKeys.TENANT.pattern() + ")");
                }
                if (!seen.add(t)) throw new IllegalArgumentException("loopgrid:tenants: " + t + " is listed twice");
            }
            if (!(tenantRate > 0) || Double.isInfinite(tenantRate)) {
                throw new IllegalArgumentException("loopgrid:tenantRate must be a positive number, got " + tenantRate);
            }
            if (tenantBurst < 1) throw new IllegalArgumentException("loopgrid:tenantBurst must be at least 1, got " + tenantBurst);
            if (keyCacheSeconds < 0 || keyCacheSeconds > MAX_GATEWAY_CACHE_SECONDS) {
                throw new IllegalArgumentException("loopgrid:keyCacheSeconds must be 0.." + MAX_GATEWAY_CACHE_SECONDS
                        + ", got " + keyCacheSeconds);
            }
            if (gatewayCacheSeconds < 0 || gatewayCacheSeconds > MAX_GATEWAY_CACHE_SECONDS) {
                throw new IllegalArgumentException("loopgrid:gatewayCacheSeconds must be 0.." + MAX_GATEWAY_CACHE_SECONDS
                        + ", got " + gatewayCacheSeconds);
            }
        }

        /** Keys required, the given tenants registered, every other setting at its default. */
        public static Auth keys(List<String> tenants) {
            return new Auth(false, tenants, DEFAULT_TENANT_RATE, DEFAULT_TENANT_BURST, DEFAULT_KEY_CACHE_SECONDS, 0);
        }

        /** No authorizer (demos only). */
        public static Auth openApi() {
            return new Auth(true, List.of(), DEFAULT_TENANT_RATE, DEFAULT_TENANT_BURST, DEFAULT_KEY_CACHE_SECONDS, 0);
        }
    }

    /**
     * @param lambdaJar      the jar the functions run
     * @param table          the ledger table
     * @param tenant         value of {@code LOOPGRID_TENANT}
     * @param auth           authentication and per-tenant throttling
     * @param replayQueue    the queue {@code ENQUEUE} routes send replay ids to
     * @param maxReceives    the replay queue's receive limit (its redrive {@code maxReceiveCount})
     * @param reports        the reports bucket {@code REPORT} routes store reports and large exports in, and that holds
     *                       large decisions' content ({@link ContentAccess})
     * @param log            the verifiable log the log's routes and the verifying functions read ({@link LogAccess})
     * @param subjectKeys    the data-subject key the functions that seal or open decisions' content use
     *                       ({@link SubjectKeyAccess})
     */
    public record Props(Path lambdaJar, ITable table, String tenant, Auth auth, IQueue replayQueue,
                        int maxReceives, ReportsBucketConstruct reports, VerifiableLogConstruct log,
                        SubjectKeysConstruct subjectKeys) {}

    private final RestApi api;
    private final LogGroup accessLogs;
    private final List<LoopGridFunction> functions = new ArrayList<>();
    private final KeyAuthorizerConstruct authorizer;
    private final TenantUsagePlansConstruct usagePlans;

    public ApiConstruct(Construct scope, String id, Props props) {
        super(scope, id);
        Auth auth = props.auth();
        accessLogs = LogGroup.Builder.create(this, "AccessLogs")
                .retention(LoopGridFunction.LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        RestApi.Builder apiBuilder = RestApi.Builder.create(this, "RestApi")
                // the stack name, so side-by-side stacks have distinct 5xx metrics (their dimension is ApiName)
                .restApiName(Stack.of(this).getStackName())
                .description("LoopGrid API: the route table of dev.loopgrid.aws.Routes")
                .endpointTypes(List.of(EndpointType.REGIONAL))
                // OTLP protobuf bodies reach the functions base64-encoded (gzip bodies API Gateway decompresses itself);
                // the log's tiles go back as bytes to requests that accept application/octet-stream
                .binaryMediaTypes(Routes.BINARY_MEDIA_TYPES)
                // Access logging needs the account-level CloudWatch role of API Gateway; set it here so a
                // fresh account works (AWS::ApiGateway::Account, retained on delete).
                .cloudWatchRole(true)
                .deployOptions(StageOptions.builder()
                        .stageName(STAGE)
                        .throttlingRateLimit(THROTTLE_RATE)
                        .throttlingBurstLimit(THROTTLE_BURST)
                        .tracingEnabled(true)
                        .accessLogDestination(new LogGroupLogDestination(accessLogs))
                        .accessLogFormat(AccessLogFormat.jsonWithStandardFields())
                        .build());
        // usage plans count the key the authorizer returns (usageIdentifierKey), never a client header
        if (!auth.open()) apiBuilder.apiKeySourceType(ApiKeySourceType.AUTHORIZER);
        api = apiBuilder.build();
        GatewayResponses.addTo(api);

        if (auth.open()) {
            authorizer = null;
            Annotations.of(this).addWarningV2("loopgrid:openApi",
                    "loopgrid:openApi=true: the API has no authorizer; anyone who finds the URL can record, read and "
                            + "export decisions and manage API keys as tenant " + props.tenant() + ". Demos only.");
            if (!auth.tenants().isEmpty()) {
                Annotations.of(this).addWarningV2("loopgrid:tenants",
                        "loopgrid:tenants is ignored with loopgrid:openApi=true (no authorizer, no usage plans)");
            }
        } else {
            authorizer = new KeyAuthorizerConstruct(this, "KeyAuthorizer", new KeyAuthorizerConstruct.Props(
                    props.lambdaJar(), props.table(), props.tenant(), auth.tenants(), auth.keyCacheSeconds(),
                    auth.gatewayCacheSeconds()));
        }

        for (Routes.Route route : Routes.ALL) {
            Map<String, String> env = new LinkedHashMap<>();
            // a request without an authorizer principal is refused (401), never served as the default tenant
            env.put("LOOPGRID_REQUIRE_KEYS", Boolean.toString(!auth.open()));
            if (route.access() == Routes.Access.ENQUEUE) {
                env.put("LOOPGRID_QUEUE_URL", props.replayQueue().getQueueUrl());
                env.put("LOOPGRID_MAX_RECEIVES", Integer.toString(props.maxReceives()));
            }
            // reports and exports are stored there; an erasure purges the tenant's stored exports
            if (route.access() == Routes.Access.REPORT || route.access() == Routes.Access.LIFECYCLE) {
                env.put("LOOPGRID_REPORTS_BUCKET", props.reports().bucket().getBucketName());
            }
            ContentAccess content = ContentAccess.of(route);
            if (content != ContentAccess.NONE) {
                env.put("LOOPGRID_CONTENT_BUCKET", props.reports().bucket().getBucketName());
            }
            LogAccess log = LogAccess.of(route);
            if (log != LogAccess.NONE) env.putAll(props.log().env());
            SubjectKeyAccess subjectKey = SubjectKeyAccess.of(route);
            if (subjectKey != SubjectKeyAccess.NONE) env.putAll(props.subjectKeys().env());
            LoopGridFunction fn = new LoopGridFunction(this, route.name(), new LoopGridFunction.Spec(
                    route.name(), route.method() + " " + route.path(), route.lambdaHandler(), FunctionSizing.of(route),
                    LedgerAccess.of(route, props.table()), props.lambdaJar(), props.table(), props.tenant(),
                    env, true));
            if (route.access() == Routes.Access.ENQUEUE) {
                // only SendMessage: the handler sends to a known URL (grantSendMessages would add GetQueueAttributes/GetQueueUrl)
                fn.role().addToPrincipalPolicy(PolicyStatement.Builder.create()
                        .sid("ReplayEnqueue")
                        .effect(Effect.ALLOW)
                        .actions(List.of("sqs:SendMessage"))
                        .resources(List.of(props.replayQueue().getQueueArn()))
                        .build());
            }
            if (route.access() == Routes.Access.REPORT) props.reports().grantReportObjects(fn.role());
            if (route.access() == Routes.Access.LIFECYCLE) props.reports().grantExportPurge(fn.role());
            props.reports().grantContent(fn.role(), content);
            if (log == LogAccess.READ) props.log().grantRead(fn.role());
            props.subjectKeys().grant(fn.role(), subjectKey);
            functions.add(fn);
            IResource resource = "/".equals(route.path()) ? api.getRoot() : api.getRoot().resourceForPath(route.path());
            MethodOptions.Builder options = MethodOptions.builder();
            if (authorizer != null && route.permission() != Permission.PUBLIC) {
                options.authorizer(authorizer.authorizer())
                        .authorizationType(AuthorizationType.CUSTOM)
                        .apiKeyRequired(true);
            } else {
                options.authorizationType(AuthorizationType.NONE).apiKeyRequired(false);
            }
            resource.addMethod(route.method(),
                    LambdaIntegration.Builder.create(fn.alias())
                            .proxy(true)
                            // one permission per method (for the live stage), none for console test-invokes
                            .allowTestInvoke(false)
                            .build(),
                    options.build());
        }

        usagePlans = auth.open() ? null : new TenantUsagePlansConstruct(this, "UsagePlans", new TenantUsagePlansConstruct.Props(
                api, auth.tenants(), auth.tenantRate(), auth.tenantBurst(), THROTTLE_RATE, THROTTLE_BURST));
    }

    public RestApi restApi() { return api; }
    public LogGroup accessLogs() { return accessLogs; }
    /** The route functions, in route table order. */
    public List<LoopGridFunction> functions() { return Collections.unmodifiableList(functions); }
    /** The key authorizer, or null when the API is deployed open. */
    public KeyAuthorizerConstruct keyAuthorizer() { return authorizer; }
    /** The usage plans, or null when the API is deployed open. */
    public TenantUsagePlansConstruct usagePlans() { return usagePlans; }
}
