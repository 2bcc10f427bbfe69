package dev.loopgrid.cdk;

import dev.loopgrid.aws.log.IntegratorHandler;
import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.core.ledger.ChainKey;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.iam.AnyPrincipal;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.kms.KeySpec;
import software.amazon.awscdk.services.kms.KeyUsage;
import software.amazon.awscdk.services.lambda.CfnFunction;
import software.amazon.awscdk.services.lambda.EventSourceMapping;
import software.amazon.awscdk.services.lambda.EventSourceMappingOptions;
import software.amazon.awscdk.services.lambda.FilterCriteria;
import software.amazon.awscdk.services.lambda.FilterRule;
import software.amazon.awscdk.services.lambda.StartingPosition;
import software.amazon.awscdk.services.lambda.eventsources.SqsDlq;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectLockRetention;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * The verifiable log in AWS (issue 12; DESIGN.md "Where the ledger goes now"): every ledger entry is also a leaf of a
 * per-tenant RFC 9162 Merkle tree, published as C2SP tlog-tiles, with C2SP checkpoints signed by a KMS Ed25519 key and
 * kept in S3 Object Lock (compliance mode).
 *
 * <ul>
 *   <li><b>Signing key</b>: a KMS key of spec {@code ECC_NIST_EDWARDS25519}, usage {@code SIGN_VERIFY}, retained when
 *       the stack goes (a log keeps its key: verifiers pin its public key). Only the integrator's role may
 *       {@code kms:Sign}: its identity policy allows it, and the key policy <em>denies</em> {@code kms:Sign} to every
 *       other principal ({@code aws:PrincipalArn} not the integrator role), so an identity policy granted elsewhere in
 *       the account later cannot sign either. Readers get {@code kms:GetPublicKey} ({@link #grantRead}).</li>
 *   <li><b>Log bucket</b> (tiles and entry bundles under {@value #TILES_PREFIX}): private, SSE-S3, TLS only,
 *       versioned (an overwritten tile stays in the history), retained. No Object Lock: a tile that is changed no
 *       longer hashes to a signed root, so tampering shows; it cannot be hidden.</li>
 *   <li><b>Checkpoint bucket</b> (signed checkpoints under {@value #CHECKPOINTS_PREFIX}): S3 Object Lock with a
 *       default retention in COMPLIANCE mode of {@link Settings#checkpointRetentionDays()} days (context
 *       {@code loopgrid:checkpointRetentionDays}, default {@value #DEFAULT_CHECKPOINT_RETENTION_DAYS}); versioned
 *       (Object Lock requires it), private, SSE-S3, TLS only, retained. No lifecycle rule expires anything.</li>
 *   <li><b>Integrator</b> ({@link IntegratorHandler}): fed by the ledger table's stream (new images), through an event
 *       source mapping on its {@value LoopGridFunction#ALIAS} alias that invokes it only for INSERTs of entry items
 *       (filter: {@code pk} begins with {@code CHAIN#}, {@code sk} with {@code E#}), in batches of up to
 *       {@value #BATCH_SIZE} gathered for at most {@value #MAX_BATCHING_WINDOW_SECONDS} s, from TRIM_HORIZON, with
 *       {@code ReportBatchItemFailures}, bisection on error, {@value #RETRY_ATTEMPTS} retries and then the batch's
 *       description sent to an SQS on-failure queue. Reserved concurrency {@value #INTEGRATOR_RESERVED_CONCURRENCY}:
 *       commits are conditional, so concurrent integrators are safe, and more of them only race.</li>
 * </ul>
 *
 * <p>TRIM_HORIZON rather than LATEST: the stream is enabled on the (existing) table in the same deployment that creates
 * the mapping, and LATEST would skip the entries appended in between; integration is idempotent (an entry already in
 * the log is skipped), so reading up to the stream's 24 hours again, when the mapping is recreated, costs time, not
 * correctness. Entries older than the stream, or whose records ended in the failure queue, join the log with the next
 * entry of their chain: the integrator reads from the chain whatever a batch lacks.
 */
public final class VerifiableLogConstruct extends Construct {
    public static final String TILES_PREFIX = "log/";
    public static final String CHECKPOINTS_PREFIX = "checkpoints/";
    public static final int DEFAULT_CHECKPOINT_RETENTION_DAYS = 180;
    public static final long DEFAULT_CHECKPOINT_INTERVAL_MS = 5_000;
    /** Tessera's minimum on AWS (REFERENCES.md §1.9): a checkpoint per tenant at most every second. */
    public static final long MIN_CHECKPOINT_INTERVAL_MS = 1_000;
    /**
     * The integrator: hashes and tiles a batch (light work: SHA-256 of a few hundred bytes per entry), then may wait up
     * to one checkpoint interval for the signature. It is billed while it waits, so memory stays at the JVM's
     * comfortable minimum.
     */
    public static final FunctionSizing INTEGRATOR_SIZING = new FunctionSizing(512, 60);
    public static final int INTEGRATOR_RESERVED_CONCURRENCY = 5;
    /**
     * Records per invocation (Lambda also keeps a batch under its 6 MB payload). An invocation may wait up to one
     * checkpoint interval for its signature, so one shard integrates at most about this many entries per interval
     * (1,000 per 5 s = 200/s per shard).
     */
    public static final int BATCH_SIZE = 1000;
    public static final int MAX_BATCHING_WINDOW_SECONDS = 1;
    public static final int RETRY_ATTEMPTS = 10;
    /** Stream records that exhausted their retries: kept 14 days, the longest SQS allows. */
    public static final int FAILURE_RETENTION_DAYS = 14;

    /** Partition keys of chain items ({@code CHAIN#<tenant>#<chain>}): heads and entries. */
    public static final String CHAIN_PK_PREFIX = prefixOf(LedgerKeys.chainPk(new ChainKey("t", "c")), "t#c");
    /** Sort keys of entry items ({@code E#<20-digit sequence>}). */
    public static final String ENTRY_SK_PREFIX = prefixOf(LedgerKeys.entrySk(0), "0");

    /**
     * Deployment settings of the log.
     *
     * @param checkpointRetentionDays how long each signed checkpoint is locked (Object Lock, compliance mode); also
     *                                {@code LOOPGRID_CHECKPOINT_RETENTION_DAYS}
     * @param checkpointIntervalMs    at most one signed checkpoint per tenant per this interval
     *                                ({@code LOOPGRID_CHECKPOINT_INTERVAL_MS})
     */
    public record Settings(int checkpointRetentionDays, long checkpointIntervalMs) {
        public static final Settings DEFAULTS = new Settings(DEFAULT_CHECKPOINT_RETENTION_DAYS, DEFAULT_CHECKPOINT_INTERVAL_MS);
        /** S3 Object Lock's maximum default retention is 100 years. */
        public static final int MAX_RETENTION_DAYS = 36_500;

        public Settings {
            if (checkpointRetentionDays < 1 || checkpointRetentionDays > MAX_RETENTION_DAYS) {
                throw new IllegalArgumentException("loopgrid:checkpointRetentionDays must be 1.." + MAX_RETENTION_DAYS
                        + ", got " + checkpointRetentionDays);
            }
            if (checkpointIntervalMs < MIN_CHECKPOINT_INTERVAL_MS
                    || checkpointIntervalMs > INTEGRATOR_SIZING.timeoutSeconds() * 1000L / 2) {
                throw new IllegalArgumentException("loopgrid:checkpointIntervalMs must be " + MIN_CHECKPOINT_INTERVAL_MS
                        + ".." + INTEGRATOR_SIZING.timeoutSeconds() * 1000L / 2 + " (half the integrator's timeout), got "
                        + checkpointIntervalMs);
            }
        }
    }

    /**
     * @param lambdaJar the jar the integrator runs
     * @param table     the ledger table; it must have a stream of new images ({@link LedgerTableConstruct})
     * @param tenant    value of {@code LOOPGRID_TENANT}
     * @param settings  retention and checkpoint interval
     */
    public record Props(Path lambdaJar, ITable table, String tenant, Settings settings) {}

    /** Objects readers get: tiles, and checkpoints. */
    public static final List<String> READ_OBJECT_ACTIONS = List.of("s3:GetObject");
    /** On each bucket: a missing tile or checkpoint is S3's 404 (not found yet), not a 403 (storage unavailable). */
    public static final List<String> LIST_ACTIONS = List.of("s3:ListBucket");
    public static final List<String> TILE_WRITE_ACTIONS = List.of("s3:PutObject");
    /** Putting a checkpoint with its own retention ({@code x-amz-object-lock-*} headers) needs PutObjectRetention too. */
    public static final List<String> CHECKPOINT_WRITE_ACTIONS = List.of("s3:PutObject", "s3:PutObjectRetention");
    public static final List<String> KEY_READ_ACTIONS = List.of("kms:GetPublicKey");
    public static final List<String> SIGN_ACTIONS = List.of("kms:Sign");
    /** What Lambda's event source mapping does with the table's stream, as the integrator's role. */
    public static final List<String> STREAM_READ_ACTIONS = List.of(
            "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams");

    private final Settings settings;
    private final Key key;
    private final Bucket logBucket;
    private final Bucket checkpointBucket;
    private final Queue failures;
    private final LoopGridFunction integrator;

    public VerifiableLogConstruct(Construct scope, String id, Props props) {
        super(scope, id);
        settings = props.settings();
        logBucket = Bucket.Builder.create(this, "TilesBucket")
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .enforceSsl(true)
                .minimumTlsVersion(1.2)
                .encryption(BucketEncryption.S3_MANAGED)
                .versioned(true)
                .removalPolicy(RemovalPolicy.RETAIN)
                .lifecycleRules(List.of(LifecycleRule.builder()
                        .id("abort-incomplete-uploads")
                        .abortIncompleteMultipartUploadAfter(Duration.days(7))
                        .build()))
                .build();
        checkpointBucket = Bucket.Builder.create(this, "CheckpointsBucket")
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .enforceSsl(true)
                .minimumTlsVersion(1.2)
                .encryption(BucketEncryption.S3_MANAGED)
                .versioned(true)
                .objectLockEnabled(true)
                .objectLockDefaultRetention(ObjectLockRetention.compliance(Duration.days(settings.checkpointRetentionDays())))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        key = Key.Builder.create(this, "SigningKey")
                .description("LoopGrid verifiable log: Ed25519 key signing the log's checkpoints (C2SP signed notes); "
                        + "only the integrator may sign")
                .keySpec(KeySpec.ECC_NIST_EDWARDS25519)
                .keyUsage(KeyUsage.SIGN_VERIFY)
                // asymmetric keys cannot be rotated by KMS; a log keeps its key for as long as its checkpoints are checked
                .enableKeyRotation(false)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        failures = Queue.Builder.create(this, "IntegratorFailures")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(FAILURE_RETENTION_DAYS))
                .build();

        Map<String, String> env = new LinkedHashMap<>(env());
        integrator = new LoopGridFunction(this, "Integrator", new LoopGridFunction.Spec(
                "LogIntegrator", "verifiable log integrator (DynamoDB stream)", IntegratorHandler.class.getName() + "::handleRequest",
                INTEGRATOR_SIZING, LedgerAccess.integrator(props.table()), props.lambdaJar(), props.table(), props.tenant(),
                env,
                // asynchronous: a faster cold start buys nothing
                false));
        ((CfnFunction) integrator.function().getNode().getDefaultChild())
                .setReservedConcurrentExecutions(INTEGRATOR_RESERVED_CONCURRENCY);
        grantIntegrate(integrator.role());
        // only the integrator's role may sign, whatever identity policies say elsewhere in the account
        PolicyStatement onlyIntegratorSigns = PolicyStatement.Builder.create()
                .sid("OnlyTheLogIntegratorSigns")
                .effect(Effect.DENY)
                .principals(List.of(new AnyPrincipal()))
                .actions(SIGN_ACTIONS)
                .resources(List.of("*"))
                .build();
        onlyIntegratorSigns.addCondition("ArnNotEquals", Map.of("aws:PrincipalArn", integrator.role().getRoleArn()));
        key.addToResourcePolicy(onlyIntegratorSigns);

        // the stream's read actions on this table's streams only (the DynamoDB Developer Guide's policy for a Lambda
        // reading a stream: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-example-lamda-process-dynamodb-streams.html),
        // not DynamoEventSource's grant, which allows ListStreams on every table ("*")
        integrator.role().addToPrincipalPolicy(statement("LedgerStreamRead", STREAM_READ_ACTIONS,
                props.table().getTableArn() + "/stream/*"));
        EventSourceMapping stream = integrator.alias().addEventSourceMapping("LedgerStream", EventSourceMappingOptions.builder()
                .eventSourceArn(props.table().getTableStreamArn())
                .startingPosition(StartingPosition.TRIM_HORIZON)
                .batchSize(BATCH_SIZE)
                .maxBatchingWindow(Duration.seconds(MAX_BATCHING_WINDOW_SECONDS))
                .bisectBatchOnError(true)
                .retryAttempts(RETRY_ATTEMPTS)
                .reportBatchItemFailures(true)
                .onFailure(new SqsDlq(failures))
                .filters(List.of(FilterCriteria.filter(Map.of(
                        "eventName", FilterRule.isEqual("INSERT"),
                        "dynamodb", Map.of("NewImage", Map.of(
                                "pk", Map.of("S", FilterRule.beginsWith(CHAIN_PK_PREFIX)),
                                "sk", Map.of("S", FilterRule.beginsWith(ENTRY_SK_PREFIX))))))))
                .build());
        // Lambda checks the role's stream permissions when it creates the mapping: create it after the role's policy
        stream.getNode().addDependency(integrator.role());
    }

    /** What every function that reads or writes the log needs in its environment ({@code App.fromEnvironment}). */
    public Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LOOPGRID_LOG_BUCKET", logBucket.getBucketName());
        env.put("LOOPGRID_CHECKPOINT_BUCKET", checkpointBucket.getBucketName());
        env.put("LOOPGRID_LOG_KMS_KEY", key.getKeyArn());
        env.put("LOOPGRID_CHECKPOINT_INTERVAL_MS", Long.toString(settings.checkpointIntervalMs()));
        env.put("LOOPGRID_CHECKPOINT_RETENTION_DAYS", Integer.toString(settings.checkpointRetentionDays()));
        return env;
    }

    /**
     * Lets {@code role} read the log: tiles ({@value #TILES_PREFIX}) and checkpoints ({@value #CHECKPOINTS_PREFIX}),
     * listing both buckets (404 for what is not there yet), and the key's public half. Never a write, never a signature.
     */
    public void grantRead(IRole role) {
        role.addToPrincipalPolicy(statement("LogTilesRead", READ_OBJECT_ACTIONS, logBucket.arnForObjects(TILES_PREFIX + "*")));
        role.addToPrincipalPolicy(statement("LogTilesList", LIST_ACTIONS, logBucket.getBucketArn()));
        role.addToPrincipalPolicy(statement("LogCheckpointsRead", READ_OBJECT_ACTIONS,
                checkpointBucket.arnForObjects(CHECKPOINTS_PREFIX + "*")));
        role.addToPrincipalPolicy(statement("LogCheckpointsList", LIST_ACTIONS, checkpointBucket.getBucketArn()));
        role.addToPrincipalPolicy(statement("LogPublicKey", KEY_READ_ACTIONS, key.getKeyArn()));
    }

    /** The integrator's grants beyond its table access: read, write tiles, write locked checkpoints, sign. */
    private void grantIntegrate(IRole role) {
        grantRead(role);
        role.addToPrincipalPolicy(statement("LogTilesWrite", TILE_WRITE_ACTIONS, logBucket.arnForObjects(TILES_PREFIX + "*")));
        role.addToPrincipalPolicy(statement("LogCheckpointsWrite", CHECKPOINT_WRITE_ACTIONS,
                checkpointBucket.arnForObjects(CHECKPOINTS_PREFIX + "*")));
        role.addToPrincipalPolicy(statement("LogSign", SIGN_ACTIONS, key.getKeyArn()));
    }

    private static PolicyStatement statement(String sid, List<String> actions, String resource) {
        return PolicyStatement.Builder.create().sid(sid).effect(Effect.ALLOW).actions(actions)
                .resources(List.of(resource)).build();
    }

    /** The part of {@code key} before {@code marker} (prefixes derived from the store's own key formats). */
    private static String prefixOf(String key, String marker) {
        int at = key.indexOf(marker);
        if (at <= 0) throw new IllegalStateException("cannot derive a key prefix from " + key);
        return key.substring(0, at);
    }

    public Settings settings() { return settings; }
    public Key key() { return key; }
    public Bucket logBucket() { return logBucket; }
    public Bucket checkpointBucket() { return checkpointBucket; }
    public Queue failures() { return failures; }
    public LoopGridFunction integrator() { return integrator; }
}
