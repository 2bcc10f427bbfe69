package dev.loopgrid.cdk;

import dev.loopgrid.aws.Routes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigateway.ApiKey;
import software.amazon.awscdk.services.apigateway.EndpointType;
import software.amazon.awscdk.services.apigateway.IResource;
import software.amazon.awscdk.services.apigateway.LambdaIntegration;
import software.amazon.awscdk.services.apigateway.LogGroupLogDestination;
import software.amazon.awscdk.services.apigateway.MethodOptions;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.apigateway.StageOptions;
import software.amazon.awscdk.services.apigateway.ThrottleSettings;
import software.amazon.awscdk.services.apigateway.UsagePlan;
import software.amazon.awscdk.services.apigateway.UsagePlanPerApiStage;
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
 * <p>Until API keys with tenants and roles exist (a Lambda authorizer), the routes that touch the ledger
 * require an API Gateway API key in {@code X-Api-Key} (the header the API contract already names), so a
 * fresh deployment is not an open write endpoint; routes without table access ({@code /health}, {@code /})
 * stay open. {@code -c loopgrid:openApi=true} deploys without the key.
 */
public final class ApiConstruct extends Construct {
    public static final String STAGE = "v1";
    public static final double THROTTLE_RATE = 100;
    public static final int THROTTLE_BURST = 200;

    /**
     * @param lambdaJar      the jar the functions run
     * @param table          the ledger table
     * @param tenant         value of {@code LOOPGRID_TENANT}
     * @param requireApiKey  whether ledger routes require an API key
     * @param replayQueue    the queue {@code ENQUEUE} routes send replay ids to
     * @param maxReceives    the replay queue's receive limit (its redrive {@code maxReceiveCount})
     * @param reports        the reports bucket {@code REPORT} routes store reports and large exports in, and that holds
     *                       large decisions' content ({@link ContentAccess})
     */
    public record Props(Path lambdaJar, ITable table, String tenant, boolean requireApiKey, IQueue replayQueue,
                        int maxReceives, ReportsBucketConstruct reports) {}

    private final RestApi api;
    private final LogGroup accessLogs;
    private final List<LoopGridFunction> functions = new ArrayList<>();
    private final String apiKeyId;

    public ApiConstruct(Construct scope, String id, Props props) {
        super(scope, id);
        accessLogs = LogGroup.Builder.create(this, "AccessLogs")
                .retention(LoopGridFunction.LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        api = RestApi.Builder.create(this, "RestApi")
                // the stack name, so side-by-side stacks have distinct 5xx metrics (their dimension is ApiName)
                .restApiName(Stack.of(this).getStackName())
                .description("LoopGrid API: the route table of dev.loopgrid.aws.Routes")
                .endpointTypes(List.of(EndpointType.REGIONAL))
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
                        .build())
                .build();

        for (Routes.Route route : Routes.ALL) {
            Map<String, String> env = new LinkedHashMap<>();
            if (route.access() == Routes.Access.ENQUEUE) {
                env.put("LOOPGRID_QUEUE_URL", props.replayQueue().getQueueUrl());
                env.put("LOOPGRID_MAX_RECEIVES", Integer.toString(props.maxReceives()));
            }
            if (route.access() == Routes.Access.REPORT) {
                env.put("LOOPGRID_REPORTS_BUCKET", props.reports().bucket().getBucketName());
            }
            ContentAccess content = ContentAccess.of(route);
            if (content != ContentAccess.NONE) {
                env.put("LOOPGRID_CONTENT_BUCKET", props.reports().bucket().getBucketName());
            }
            LoopGridFunction fn = new LoopGridFunction(this, route.name(), new LoopGridFunction.Spec(
                    route.name(), route.method() + " " + route.path(), route.lambdaHandler(), FunctionSizing.of(route),
                    route.access(), props.lambdaJar(), props.table(), props.tenant(), env, true));
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
            props.reports().grantContent(fn.role(), content);
            functions.add(fn);
            IResource resource = "/".equals(route.path()) ? api.getRoot() : api.getRoot().resourceForPath(route.path());
            boolean keyRequired = props.requireApiKey() && route.access() != Routes.Access.NONE;
            resource.addMethod(route.method(),
                    LambdaIntegration.Builder.create(fn.alias())
                            .proxy(true)
                            // one permission per method (for the live stage), none for console test-invokes
                            .allowTestInvoke(false)
                            .build(),
                    MethodOptions.builder().apiKeyRequired(keyRequired).build());
        }

        if (props.requireApiKey()) {
            ApiKey key = ApiKey.Builder.create(this, "ApiKey")
                    .description("LoopGrid API key (interim, until the key authorizer lands)")
                    .build();
            UsagePlan plan = UsagePlan.Builder.create(this, "UsagePlan")
                    .description("LoopGrid default usage plan")
                    .throttle(ThrottleSettings.builder().rateLimit(THROTTLE_RATE).burstLimit(THROTTLE_BURST).build())
                    .apiStages(List.of(UsagePlanPerApiStage.builder().api(api).stage(api.getDeploymentStage()).build()))
                    .build();
            plan.addApiKey(key);
            apiKeyId = key.getKeyId();
        } else {
            apiKeyId = null;
        }
    }

    public RestApi restApi() { return api; }
    public LogGroup accessLogs() { return accessLogs; }
    public List<LoopGridFunction> functions() { return Collections.unmodifiableList(functions); }
    /** The API key's id, or null when the API is deployed open. */
    public String apiKeyId() { return apiKeyId; }
}
