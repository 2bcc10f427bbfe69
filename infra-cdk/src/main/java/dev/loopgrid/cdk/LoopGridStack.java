package dev.loopgrid.cdk;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.NestedStack;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.constructs.Construct;

/**
 * The LoopGrid stack: a thin composition of one construct per concern (ledger table, replay pipeline, API
 * and its functions, reports bucket, verifiable log, data-subject key, lifecycle sweep, replay recovery, alarms) plus the stack outputs.
 */
public final class LoopGridStack extends Stack {

    /**
     * Deployment settings.
     *
     * @param lambdaJar   the shaded Lambda jar every function runs (must exist)
     * @param tenant      {@code LOOPGRID_TENANT} of the functions: the tenant of open mode (unused with keys required)
     * @param alarmEmail  an address subscribed to the alarm topic, or null
     * @param auth        the key authorizer and per-tenant throttling, or open mode
     * @param log         the verifiable log's checkpoint retention and interval
     */
    public record Config(Path lambdaJar, String tenant, String alarmEmail, ApiConstruct.Auth auth,
                         VerifiableLogConstruct.Settings log) {
        public Config {
            Objects.requireNonNull(lambdaJar, "lambdaJar");
            Objects.requireNonNull(tenant, "tenant");
            Objects.requireNonNull(auth, "auth");
            Objects.requireNonNull(log, "log");
        }

        /** The log at its defaults. */
        public Config(Path lambdaJar, String tenant, String alarmEmail, ApiConstruct.Auth auth) {
            this(lambdaJar, tenant, alarmEmail, auth, VerifiableLogConstruct.Settings.DEFAULTS);
        }
    }

    private final LedgerTableConstruct ledger;
    private final ApiConstruct api;
    private final ReplayPipelineConstruct replays;
    private final ReportsBucketConstruct reports;
    private final VerifiableLogConstruct log;
    private final AlarmsConstruct alarms;
    private final NestedStack monitoring;
    private final SubjectKeysConstruct subjectKeys;
    private final LifecycleSweepConstruct sweep;
    private final ReplayRecoveryConstruct recovery;

    public LoopGridStack(Construct scope, String id, StackProps props, Config config) {
        super(scope, id, props);
        LoopGridApp.requireJar(config.lambdaJar());

        ledger = new LedgerTableConstruct(this, "Ledger");
        reports = new ReportsBucketConstruct(this, "Reports");
        subjectKeys = new SubjectKeysConstruct(this, "SubjectKeys");
        log = new VerifiableLogConstruct(this, "Log", new VerifiableLogConstruct.Props(
                config.lambdaJar(), ledger.table(), config.tenant(), config.log()));
        replays = new ReplayPipelineConstruct(this, "Replays", new ReplayPipelineConstruct.Props(
                config.lambdaJar(), ledger.table(), config.tenant(), reports, subjectKeys));
        api = new ApiConstruct(this, "Api", new ApiConstruct.Props(
                config.lambdaJar(), ledger.table(), config.tenant(), config.auth(),
                replays.queue(), ReplayPipelineConstruct.MAX_RECEIVE_COUNT, reports, log, subjectKeys));
        sweep = new LifecycleSweepConstruct(this, "Lifecycle", new LifecycleSweepConstruct.Props(
                config.lambdaJar(), ledger.table(), config.tenant(), reports));
        recovery = new ReplayRecoveryConstruct(this, "ReplayRecovery", new ReplayRecoveryConstruct.Props(
                config.lambdaJar(), ledger.table(), config.tenant(), replays.queue(),
                ReplayPipelineConstruct.MAX_RECEIVE_COUNT));
        List<LoopGridFunction> functions = new ArrayList<>(api.functions());
        functions.add(replays.worker());
        functions.add(log.integrator());
        functions.add(sweep.function());
        functions.add(recovery.function());
        // the alarms and their topic live in a nested stack: a stack deploys at most 500 resources, and a function per
        // route with its role, policy, version, alias and log group leaves no room for two alarms each beside them
        monitoring = new NestedStack(this, "Monitoring");
        alarms = new AlarmsConstruct(monitoring, "Alarms", new AlarmsConstruct.Props(
                api.restApi(), functions, api.keyAuthorizer() == null ? null : api.keyAuthorizer().function(),
                replays.deadLetterQueue(), log.integrator(), log.failures(), config.alarmEmail()));

        CfnOutput.Builder.create(this, "ApiUrl").value(api.restApi().getUrl())
                .description("Base URL of the LoopGrid REST API (stage v1)").build();
        CfnOutput.Builder.create(this, "TableName").value(ledger.table().getTableName())
                .description("The DynamoDB ledger table; it also holds the API keys "
                        + "(first admin key: java -jar local/target/loopgrid-local.jar keys create --aws --table <this> ...)").build();
        CfnOutput.Builder.create(this, "BucketName").value(reports.bucket().getBucketName())
                .description("The S3 bucket for compliance reports (reports/) and large decisions' content (content/)").build();
        CfnOutput.Builder.create(this, "QueueUrl").value(replays.queue().getQueueUrl())
                .description("The SQS replay queue").build();
        CfnOutput.Builder.create(this, "LogBucketName").value(log.logBucket().getBucketName())
                .description("The verifiable log's tiles and entry bundles (log/<tenant>/tile/...)").build();
        CfnOutput.Builder.create(this, "CheckpointBucketName").value(log.checkpointBucket().getBucketName())
                .description("The verifiable log's signed checkpoints (checkpoints/<tenant>/<size>), S3 Object Lock in "
                        + "compliance mode: nobody can delete them before their retention ends").build();
        CfnOutput.Builder.create(this, "LogKeyArn").value(log.key().getKeyArn())
                .description("The KMS Ed25519 key that signs the log's checkpoints (only the integrator may sign; "
                        + "its verifier key: GET /v1/log/key)").build();
        CfnOutput.Builder.create(this, "SubjectKeyArn").value(subjectKeys.key().getKeyArn())
                .description("The KMS key wrapping data subjects' data keys (erasure by crypto-shredding; retained)").build();
    }

    public LedgerTableConstruct ledger() { return ledger; }
    public ApiConstruct api() { return api; }
    public ReplayPipelineConstruct replays() { return replays; }
    public ReportsBucketConstruct reports() { return reports; }
    public VerifiableLogConstruct log() { return log; }
    public AlarmsConstruct alarms() { return alarms; }
    /** The nested stack holding the alarms and their topic. */
    public NestedStack monitoring() { return monitoring; }
    public SubjectKeysConstruct subjectKeys() { return subjectKeys; }
    public LifecycleSweepConstruct sweep() { return sweep; }
    public ReplayRecoveryConstruct recovery() { return recovery; }
}
