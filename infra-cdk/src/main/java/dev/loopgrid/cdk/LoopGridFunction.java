package dev.loopgrid.cdk;

import dev.loopgrid.aws.Routes;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * One LoopGrid Lambda function (a route's, or the replay worker): Java 21, SnapStart on published versions
 * (unless the spec turns it off), the current version behind the alias {@value #ALIAS} (callers invoke the
 * alias, never {@code $LATEST}),
 * X-Ray tracing, its own log group with a retention, and its own role holding only writes to that log group,
 * X-Ray, and its {@link LedgerAccess.Grant} on the ledger table (from its {@link Routes.Access}, or the key
 * authorizer's). Anything else (a queue, a secret) is granted by the construct that owns it.
 */
public final class LoopGridFunction extends Construct {
    public static final String ALIAS = "live";
    public static final RetentionDays LOG_RETENTION = RetentionDays.ONE_MONTH;
    /** C1 only: the fastest start for short-lived Lambda JVMs (AWS's recommended setting for Java functions). */
    public static final String JAVA_TOOL_OPTIONS = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1";

    /**
     * @param name        stable short name (construct ids, alarm names)
     * @param description the function's description (for routes: method and path)
     * @param handler     the Lambda handler string
     * @param sizing      memory and timeout
     * @param access      what it may do with the ledger table ({@link LedgerAccess#of}, {@link LedgerAccess#authorizer})
     * @param lambdaJar   the jar
     * @param table       the ledger table
     * @param tenant      {@code LOOPGRID_TENANT}
     * @param extraEnv    further environment variables (queue URL, secret ARN, …)
     * @param snapStart   whether to snapshot published versions (SnapStart)
     */
    public record Spec(String name, String description, String handler, FunctionSizing sizing, LedgerAccess.Grant access,
                       Path lambdaJar, ITable table, String tenant, Map<String, String> extraEnv, boolean snapStart) {}

    private final Spec spec;
    private final Function function;
    private final Alias alias;
    private final Role role;
    private final LogGroup logGroup;

    public LoopGridFunction(Construct scope, String id, Spec spec) {
        super(scope, id);
        this.spec = spec;

        logGroup = LogGroup.Builder.create(this, "Logs")
                .retention(LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        // Our own role instead of the default one with AWSLambdaBasicExecutionRole (logs:* on every log group).
        role = Role.Builder.create(this, "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("LoopGrid " + spec.name() + " (" + spec.description() + "): "
                        + spec.access().name() + " access to the ledger table")
                .build();
        logGroup.grantWrite(role);
        spec.access().statements().forEach(role::addToPrincipalPolicy);

        Map<String, String> env = new LinkedHashMap<>();
        env.put("LOOPGRID_TABLE", spec.table().getTableName());
        env.put("LOOPGRID_TENANT", spec.tenant());
        env.put("POWERTOOLS_SERVICE_NAME", AlarmsConstruct.POWERTOOLS_SERVICE);
        env.put("POWERTOOLS_METRICS_NAMESPACE", AlarmsConstruct.METRICS_NAMESPACE);
        env.put("JAVA_TOOL_OPTIONS", JAVA_TOOL_OPTIONS);
        env.putAll(spec.extraEnv());

        Function.Builder builder = Function.Builder.create(this, "Function")
                .description(spec.description())
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.X86_64)
                .code(Code.fromAsset(spec.lambdaJar().toString()))
                .handler(spec.handler())
                .memorySize(spec.sizing().memoryMb())
                .timeout(spec.sizing().timeout())
                .tracing(Tracing.ACTIVE)
                .role(role)
                .logGroup(logGroup)
                .environment(env);
        if (spec.snapStart()) builder.snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS);
        function = builder.build();
        // SnapStart snapshots a published version; currentVersion publishes a new one whenever code or
        // configuration changes, and the alias follows it.
        alias = Alias.Builder.create(this, "Alias")
                .aliasName(ALIAS)
                .version(function.getCurrentVersion())
                .build();
        if (spec.snapStart()) Annotations.of(function).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                "the function's current version is published and the alias 'live' points at it");
    }

    public String name() { return spec.name(); }
    public LedgerAccess.Grant access() { return spec.access(); }
    public Function function() { return function; }
    public Alias alias() { return alias; }
    public Role role() { return role; }
    public LogGroup logGroup() { return logGroup; }
}
