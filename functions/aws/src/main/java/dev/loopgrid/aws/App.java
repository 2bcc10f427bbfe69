package dev.loopgrid.aws;

import dev.loopgrid.aws.store.DynamoLifecycleStore;
import dev.loopgrid.aws.store.DynamoSubjectKeyStore;
import dev.loopgrid.aws.subject.KmsKeyWrapper;
import dev.loopgrid.core.lifecycle.LifecycleService;
import dev.loopgrid.core.lifecycle.LifecycleStore;
import dev.loopgrid.core.subject.KeyWrapper;
import dev.loopgrid.core.subject.SubjectKeyStore;
import dev.loopgrid.core.subject.SubjectKeys;
import dev.loopgrid.aws.auth.DynamoApiKeyStore;
import dev.loopgrid.aws.queue.SqsWorkQueue;
import dev.loopgrid.core.auth.ApiKeyStore;
import dev.loopgrid.core.auth.ApiKeys;
import dev.loopgrid.aws.log.DynamoLogStore;
import dev.loopgrid.aws.log.LogKeys;
import dev.loopgrid.aws.log.S3SignedCheckpoints;
import dev.loopgrid.aws.log.S3TileStore;
import dev.loopgrid.aws.store.DynamoChainStore;
import dev.loopgrid.aws.store.DynamoDecisionIndex;
import dev.loopgrid.aws.store.ProjectionWriters;
import dev.loopgrid.aws.store.DynamoReplayStore;
import dev.loopgrid.aws.store.S3ContentStore;
import dev.loopgrid.core.decision.ContentResolver;
import dev.loopgrid.core.decision.ContentResolvingIndex;
import dev.loopgrid.core.decision.DecisionIndex;
import dev.loopgrid.core.decision.ContentStore;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.IntegrityService;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainStore;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.log.Integrator;
import dev.loopgrid.core.log.LogConfig;
import dev.loopgrid.core.log.LogService;
import dev.loopgrid.core.log.LogVerifier;
import dev.loopgrid.core.log.LogStore;
import dev.loopgrid.core.log.RecentEntries;
import dev.loopgrid.core.log.SignedCheckpoints;
import dev.loopgrid.core.log.TileStore;
import dev.loopgrid.verify.NoteSigner;
import dev.loopgrid.core.replay.LlmProvider;
import dev.loopgrid.core.replay.ReplayExecutor;
import dev.loopgrid.core.replay.ReplayRecovery;
import dev.loopgrid.core.replay.ReplayService;
import dev.loopgrid.core.replay.ReplayStore;
import dev.loopgrid.core.replay.WorkQueue;
import dev.loopgrid.aws.reports.DynamoCheckpointStore;
import dev.loopgrid.aws.reports.S3ReportStore;
import dev.loopgrid.core.report.ArticleRules;
import dev.loopgrid.core.report.CheckpointStore;
import dev.loopgrid.core.report.ComplianceReportService;
import dev.loopgrid.core.report.ExportService;
import dev.loopgrid.core.report.IncrementalVerifier;
import dev.loopgrid.core.report.PriceTable;
import dev.loopgrid.core.report.StatsService;
import dev.loopgrid.core.report.ReportStore;
import java.util.function.Supplier;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The composition root: everything expensive (the DynamoDB client, the store, the ledger with its cached
 * heads) is built once per process, here. Lambda handlers reach it through {@link #get()}; the local stack
 * and tests build their own with {@link #builder}.
 */
public final class App {
    public static final String VERSION = "0.2.0";

    private static volatile App instance;
    /**
     * How long the local front trusts a verified key before reading it again (the Lambda authorizer has its own
     * cache, {@code LOOPGRID_AUTH_CACHE_SECONDS}). A key revoked through this process's API stops working at
     * once; one revoked from elsewhere (the {@code keys revoke} command) within this time.
     */
    public static final Duration KEY_CACHE = Duration.ofSeconds(30);

    public final Config config;
    /** The chains: heads, entries, appends (content stored under a key comes back as the key). */
    public final ChainStore chains;
    /** The decisions' read model, with large decisions' content read from {@link #contentStore} and checked ({@link ContentResolvingIndex}). */
    public final DecisionIndex decisionIndex;
    /** Reads content stored under a key, checked against its hash. */
    public final ContentResolver contentResolver;
    private final LogSetup logSetup;
    private volatile Integrator integrator;
    /** The envelopes this process appended lately, for receipts asked for right after (in-process integration only). */
    private final RecentEntries recentEntries;
    private volatile LogService logService;
    private volatile LogVerifier logVerifier;
    /** Where decision content above {@link Config#maxContentBytes()} lives, or null (such decisions are then refused). */
    public final ContentStore contentStore;
    public final Ledger ledger;
    public final DecisionService decisions;
    public final IntegrityService integrity;
    public final ReplayConfig replayConfig;
    public final ReplayStore replayStore;
    public final ReplayService replays;
    /** Compliance reports and exports (reports/…, presigned links); see {@link ReportConfig}. */
    public final ReportConfig reportConfig;
    public final CheckpointStore checkpoints;
    /** Where reports and large exports are stored, or null (reports then carry no links). */
    public final ReportStore reportStore;
    public final ComplianceReportService reports;
    public final ExportService exports;
    /** {@code GET /v1/stats}, from the chain counters; cost with {@link #prices}. */
    public final StatsService stats;
    /** The price table ({@code LOOPGRID_PRICES} / {@code LOOPGRID_PRICES_FILE}); empty: every cost unknown. */
    public final PriceTable prices;
    /** API keys: authentication (local front, authorizer) and the admin key endpoints. */
    public final ApiKeys apiKeys;
    /** Data subjects' keys (sealing and opening content), or null where none are configured. */
    public final SubjectKeys subjectKeys;
    private final LifecycleService lifecycle;

    /**
     * Where data subjects' keys and the lifecycle's state live, and how keys are wrapped ({@code wrapper} null: no
     * decision can name a subject here, erasure finds none).
     */
    public record Subjects(SubjectKeyStore keys, LifecycleStore lifecycle, KeyWrapper wrapper,
                           LifecycleService.Settings settings) {}

    /** Erasure, holds and retention floors. */
    public LifecycleService lifecycle() {
        if (lifecycle == null) {
            throw new LedgerException.Unavailable("lifecycle_not_configured", "Erasure, holds and retention are not"
                    + " configured here", 60);
        }
        return lifecycle;
    }
    private final SqsWorkQueue sqsQueue;
    private final Supplier<Map<String, LlmProvider>> providers;
    private final Clock clock;
    private volatile ReplayExecutor executor;

    /**
     * Typed configuration; {@link #fromEnvironment} fails fast naming a missing variable.
     *
     * @param maxContentBytes  canonical decision bytes stored inline in the ledger item ({@code LOOPGRID_MAX_CONTENT_BYTES},
     *                         default 180,000); larger decisions go to the content store
     * @param maxDecisionBytes canonical bytes a decision may have at most when a content store is configured
     *                         ({@code LOOPGRID_MAX_DECISION_BYTES}, default 5 MiB = 5,242,880)
     * @param requireKeys      refuse requests without an authorizer principal ({@code LOOPGRID_REQUIRE_KEYS}); else
     *                         open single-tenant mode over {@code tenant}
     */
    public record Config(String table, String tenant, int maxContentBytes, int maxDecisionBytes, boolean requireKeys) {
        public Config {
            if (maxDecisionBytes < maxContentBytes) {
                throw new IllegalStateException("LOOPGRID_MAX_DECISION_BYTES (" + maxDecisionBytes
                        + ") must not be smaller than LOOPGRID_MAX_CONTENT_BYTES (" + maxContentBytes + ")");
            }
        }

        /** Open mode. */
        public Config(String table, String tenant, int maxContentBytes, int maxDecisionBytes) {
            this(table, tenant, maxContentBytes, maxDecisionBytes, false);
        }

        /** Open mode, with the default largest decision (5 MiB). */
        public Config(String table, String tenant, int maxContentBytes) {
            this(table, tenant, maxContentBytes, Math.max(maxContentBytes, DecisionService.DEFAULT_MAX_DECISION_BYTES));
        }

        public Config withRequireKeys(boolean require) {
            return new Config(table, tenant, maxContentBytes, maxDecisionBytes, require);
        }

        public static Config fromEnvironment(Map<String, String> env) {
            String table = env.get("LOOPGRID_TABLE");
            if (table == null || table.isBlank()) {
                throw new IllegalStateException("environment variable LOOPGRID_TABLE (the ledger table name) is not set");
            }
            String tenant = env.getOrDefault("LOOPGRID_TENANT", "default");
            int max = Integer.parseInt(env.getOrDefault("LOOPGRID_MAX_CONTENT_BYTES",
                    Integer.toString(DecisionService.DEFAULT_MAX_CONTENT_BYTES)));
            int largest = Integer.parseInt(env.getOrDefault("LOOPGRID_MAX_DECISION_BYTES",
                    Integer.toString(Math.max(max, DecisionService.DEFAULT_MAX_DECISION_BYTES))));
            return new Config(table, tenant, max, largest,
                    Boolean.parseBoolean(env.getOrDefault("LOOPGRID_REQUIRE_KEYS", "false")));
        }
    }

    /**
     * Replay settings.
     *
     * @param queueUrl           the replay queue, or null when replays cannot be queued here
     * @param maxReceives        the queue's receive limit before the dead-letter queue (its redrive maxReceiveCount)
     * @param baseBackoffSeconds first retry delay of a failing replay message; doubles per receive
     * @param leaseMillis        how long a worker's claim on a replay holds
     */
    public record ReplayConfig(String queueUrl, int maxReceives, int baseBackoffSeconds, long leaseMillis) {
        public static ReplayConfig fromEnvironment(Map<String, String> env) {
            return new ReplayConfig(env.get("LOOPGRID_QUEUE_URL"),
                    Integer.parseInt(env.getOrDefault("LOOPGRID_MAX_RECEIVES", "5")),
                    Integer.parseInt(env.getOrDefault("LOOPGRID_RETRY_BASE_SECONDS", "10")),
                    Long.parseLong(env.getOrDefault("LOOPGRID_REPLAY_LEASE_MS", "180000")));
        }

        public static ReplayConfig none() {
            return new ReplayConfig(null, 5, 10, 180_000);
        }
    }

    /**
     * Report settings.
     *
     * @param bucket            the reports bucket ({@code LOOPGRID_REPORTS_BUCKET}), or null when reports are not stored
     * @param urlTtl            lifetime of presigned links ({@code LOOPGRID_REPORT_URL_TTL_SECONDS}, default 900 s, at most 7 days)
     * @param retentionDays     configured retention of ledger entries ({@code LOOPGRID_RETENTION_DAYS}), null = never expired
     * @param exportInlineBytes largest CSV/JSONL export answered inline ({@code LOOPGRID_EXPORT_INLINE_BYTES}, default 5 MiB)
     */
    public record ReportConfig(String bucket, Duration urlTtl, Long retentionDays, int exportInlineBytes) {
        public static ReportConfig fromEnvironment(Map<String, String> env) {
            String bucket = env.get("LOOPGRID_REPORTS_BUCKET");
            long ttl = Long.parseLong(env.getOrDefault("LOOPGRID_REPORT_URL_TTL_SECONDS",
                    Long.toString(S3ReportStore.DEFAULT_TTL.toSeconds())));
            if (ttl < 1 || ttl > S3ReportStore.MAX_TTL.toSeconds()) {
                throw new IllegalStateException("LOOPGRID_REPORT_URL_TTL_SECONDS must be 1.." + S3ReportStore.MAX_TTL.toSeconds()
                        + " (presigned links last at most 7 days), got " + ttl);
            }
            String retention = env.get("LOOPGRID_RETENTION_DAYS");
            return new ReportConfig(bucket == null || bucket.isBlank() ? null : bucket, Duration.ofSeconds(ttl),
                    retention == null || retention.isBlank() ? null : Long.parseLong(retention.trim()),
                    Integer.parseInt(env.getOrDefault("LOOPGRID_EXPORT_INLINE_BYTES",
                            Integer.toString(ExportService.DEFAULT_INLINE_BYTES))));
        }

        public static ReportConfig defaults() {
            return new ReportConfig(null, S3ReportStore.DEFAULT_TTL, null, ExportService.DEFAULT_INLINE_BYTES);
        }
    }

    /**
     * The verifiable log's parts (null where no log is configured).
     *
     * @param signer    the checkpoint signer (or, where nothing signs, the source of the verifier key), built on first use
     * @param inProcess integrate in this process (the local stack); on AWS the table's stream feeds the integrator
     * @param pause     how a waiting receipt request pauses between looks at the log
     */
    public record LogSetup(LogStore store, TileStore tiles, SignedCheckpoints checkpoints, Supplier<NoteSigner> signer,
                           LogConfig config, boolean inProcess, LogService.Pause pause) {
        public LogSetup(LogStore store, TileStore tiles, SignedCheckpoints checkpoints, Supplier<NoteSigner> signer,
                        LogConfig config, boolean inProcess) {
            this(store, tiles, checkpoints, signer, config, inProcess, LogService.Pause.IN_PLACE);
        }

        /** This set-up with waiting receipts paused by {@code p}. */
        public LogSetup withPause(LogService.Pause p) {
            return new LogSetup(store, tiles, checkpoints, signer, config, inProcess, p);
        }
    }

    private App(Config config, ChainStore chains, DecisionIndex index, ContentStore contentStore, ReplayStore replayStore,
                SqsWorkQueue sqsQueue, ReplayConfig replayConfig, Supplier<Map<String, LlmProvider>> providers,
                Ledger.Listener listener, Clock clock, CheckpointStore checkpoints, ReportStore reportStore,
                ReportConfig reportConfig, ApiKeyStore keyStore, PriceTable prices, LogSetup logSetup,
                Subjects subjectSetup, Ledger.Policy appendPolicy) {
        this.config = config;
        this.subjectKeys = subjectSetup == null || subjectSetup.wrapper() == null ? null
                : new SubjectKeys(subjectSetup.keys(), subjectSetup.wrapper(), clock);
        this.prices = prices == null ? PriceTable.EMPTY : prices;
        this.logSetup = logSetup;
        this.recentEntries = logSetup != null && logSetup.inProcess()
                ? new RecentEntries(RecentEntries.DEFAULT_CAPACITY) : null;
        if (logSetup != null && logSetup.inProcess()) {
            this.integrator = newIntegrator(chains, logSetup, clock);
            listener = handingOver(listener, integrator, recentEntries);
        }
        this.apiKeys = new ApiKeys(keyStore, clock, KEY_CACHE);
        this.contentStore = contentStore;
        this.chains = chains;
        this.contentResolver = new ContentResolver(contentStore, subjectKeys);
        this.decisionIndex = new ContentResolvingIndex(index, contentResolver);
        this.clock = clock;
        // appends (and the ledger's "did my write land?" reads) never need content
        this.ledger = new Ledger(chains, clock, appendPolicy, listener);
        this.decisions = new DecisionService(chains, index, ledger, clock, config.maxContentBytes(), contentStore,
                config.maxDecisionBytes(), subjectKeys);
        this.lifecycle = subjectSetup == null ? null : new LifecycleService(subjectSetup.lifecycle(),
                subjectKeys != null ? subjectKeys : new SubjectKeys(subjectSetup.keys(), null, clock), decisions, ledger,
                clock, subjectSetup.settings(), reportStore);
        // a full verification moves the reports' checkpoints too, so the next report re-hashes only what came after
        this.integrity = new IntegrityService(chains, contentResolver, checkpoints, clock, this::logVerifier, index);
        this.replayConfig = replayConfig;
        this.replayStore = replayStore;
        this.sqsQueue = sqsQueue;
        this.providers = providers;
        WorkQueue queue = sqsQueue != null ? sqsQueue : NO_QUEUE;
        this.replays = new ReplayService(decisions, replayStore, queue, clock, subjectKeys);
        this.reportConfig = reportConfig;
        this.checkpoints = checkpoints;
        this.reportStore = reportStore;
        this.reports = new ComplianceReportService(decisionIndex,
                new IncrementalVerifier(chains, contentResolver, checkpoints, clock, this::logVerifier), reportStore,
                clock, "LoopGrid " + VERSION, new ArticleRules.Settings(reportConfig.retentionDays()), this.prices, chains);
        this.exports = new ExportService(decisionIndex, reportStore, reportConfig.exportInlineBytes());
        this.stats = new StatsService(chains, this.prices, clock);
    }

    private static Integrator newIntegrator(ChainStore chains, LogSetup s, Clock clock) {
        return new Integrator(chains, s.store(), s.tiles(), s.checkpoints(), s.signer().get(), s.config(), clock);
    }

    /** {@code base}, and every committed batch handed to the integrator (in-process integration). */
    private static Ledger.Listener handingOver(Ledger.Listener base, Integrator integrator, RecentEntries recent) {
        Ledger.Listener b = base == null ? new Ledger.Listener() {} : base;
        return new Ledger.Listener() {
            @Override
            public void committed(ChainKey chain, int entries, int attempts) {
                b.committed(chain, entries, attempts);
            }

            @Override
            public void appended(ChainKey chain, List<Entry> entries) {
                b.appended(chain, entries);
                integrator.offer(chain, entries);
                recent.appended(chain, entries);
            }

            @Override
            public void headMoved(ChainKey chain) {
                b.headMoved(chain);
            }

            @Override
            public void storeUnavailable(ChainKey chain, StoreException.Unavailable e) {
                b.storeUnavailable(chain, e);
            }

            @Override
            public void exhausted(ChainKey chain, int entries) {
                b.exhausted(chain, entries);
            }
        };
    }

    /** The verifiable log's reads, or null where no log is configured. */
    public LogService log() {
        LogService l = logService;
        if (l == null && logSetup != null) {
            synchronized (this) {
                l = logService;
                if (l == null) {
                    logService = l = new LogService(chains, logSetup.store(), logSetup.tiles(), logSetup.checkpoints(),
                            logSetup.signer().get().verifier(), logSetup.config(), clock, logSetup.pause(), recentEntries);
                    if (logSetup.inProcess()) integrator().onPublished(l::published); // receipts wake at once
                }
            }
        }
        return l;
    }

    /** Checks the table against the signed log, or null where no log is configured. */
    public LogVerifier logVerifier() {
        LogVerifier v = logVerifier;
        if (v == null && logSetup != null) {
            synchronized (this) {
                v = logVerifier;
                if (v == null) {
                    logVerifier = v = new LogVerifier(chains, logSetup.store(), logSetup.tiles(), logSetup.checkpoints(),
                            logSetup.signer().get().verifier(), logSetup.config());
                }
            }
        }
        return v;
    }

    /** The log's integrator, or null where no log is configured (built on first use outside the local stack). */
    public Integrator integrator() {
        Integrator i = integrator;
        if (i == null && logSetup != null) {
            synchronized (this) {
                i = integrator;
                if (i == null) integrator = i = newIntegrator(chains, logSetup, clock);
            }
        }
        return i;
    }

    /** Where replays go when no queue is configured: nowhere, with a 503 that says so. */
    private static final WorkQueue NO_QUEUE = new WorkQueue() {
        @Override
        public void enqueue(String tenant, String replayId) {
            throw new LedgerException.Unavailable("queue_not_configured",
                    "Replays are not available: no replay queue is configured (LOOPGRID_QUEUE_URL)", 60);
        }

        @Override
        public void retryLater(String deliveryHandle, int delaySeconds) {}
    };

    /** The ledger's stores over one DynamoDB table: the chains and the decisions' read model. */
    private record DynamoStores(ChainStore chains, DecisionIndex index) {
        static DynamoStores of(DynamoDbClient dynamo, String table, Clock clock, int stagePartitions) {
            ChainStore chains = new DynamoChainStore(dynamo, table, clock, ProjectionWriters.standard(),
                    dev.loopgrid.core.decision.CounterGroups.MAX_NAMES, stagePartitions);
            return new DynamoStores(chains, new DynamoDecisionIndex(dynamo, table, chains));
        }
    }

    /** Builds an application over existing clients (local stack, benches, tests). */
    public static Builder builder(DynamoDbClient dynamo, Config config, Clock clock) {
        return new Builder(dynamo, config, clock);
    }

    /** What {@link #builder} needs besides the table; every part is optional. */
    public static final class Builder {
        private final DynamoDbClient dynamo;
        private final Config config;
        private final Clock clock;
        private SqsClient sqs;
        private ReplayConfig replayConfig = ReplayConfig.none();
        private ReportStore reportStore;
        private ReportConfig reportConfig = ReportConfig.defaults();
        private ContentStore contentStore;
        private Map<String, LlmProvider> providers = Map.of();
        private LogSetup log;
        private PriceTable prices = PriceTable.EMPTY;
        private KeyWrapper subjectWrapper;
        private LifecycleService.Settings lifecycleSettings = LifecycleService.Settings.defaults();
        private Ledger.Policy appendPolicy = Ledger.Policy.defaults();
        private int stagePartitions = dev.loopgrid.aws.store.LedgerKeys.DEFAULT_STAGE_PARTITIONS;
        private LogService.Pause receiptPause = LogService.Pause.IN_PLACE;

        private Builder(DynamoDbClient dynamo, Config config, Clock clock) {
            this.dynamo = dynamo;
            this.config = config;
            this.clock = clock;
        }

        /** Replays through {@code replayConfig}'s queue on {@code sqs} (none without a queue URL). */
        public Builder replays(SqsClient sqs, ReplayConfig replayConfig) {
            this.sqs = sqs;
            this.replayConfig = replayConfig;
            return this;
        }

        /** Where reports and large exports go ({@code reportStore} may be null), and the report settings. */
        public Builder reports(ReportStore reportStore, ReportConfig reportConfig) {
            this.reportStore = reportStore;
            this.reportConfig = reportConfig;
            return this;
        }

        /** Where decision content above {@link Config#maxContentBytes()} goes. */
        public Builder content(ContentStore contentStore) {
            this.contentStore = contentStore;
            return this;
        }

        /** Configured LLM providers by name; a provider not here is simulated. */
        public Builder providers(Map<String, LlmProvider> providers) {
            this.providers = Map.copyOf(providers);
            return this;
        }

        /** The verifiable log, integrated in this process. */
        public Builder log(TileStore tiles, SignedCheckpoints checkpoints, NoteSigner signer, LogConfig logConfig) {
            this.log = new LogSetup(new DynamoLogStore(dynamo, config.table()), tiles, checkpoints, () -> signer,
                    logConfig, true);
            return this;
        }

        /**
         * How a waiting receipt request runs its waits between looks at the log (default: in place). The local stack's
         * front passes one that gives the request's handler slot back while it waits.
         */
        public Builder receiptPause(LogService.Pause pause) {
            this.receiptPause = java.util.Objects.requireNonNull(pause);
            return this;
        }

        /** The price table cost is computed with (default empty: every cost unknown). */
        public Builder prices(PriceTable prices) {
            this.prices = prices;
            return this;
        }

        /** Decisions may name data subjects: their content is sealed under data keys wrapped by {@code wrapper}. */
        public Builder subjects(KeyWrapper wrapper, LifecycleService.Settings settings) {
            this.subjectWrapper = wrapper;
            this.lifecycleSettings = settings;
            return this;
        }

        public App build() {
            SqsWorkQueue q = sqs != null && replayConfig.queueUrl() != null ? new SqsWorkQueue(sqs, replayConfig.queueUrl()) : null;
            DynamoStores stores = DynamoStores.of(dynamo, config.table(), clock, stagePartitions);
            Map<String, LlmProvider> p = providers;
            return new App(config, stores.chains(), stores.index(), contentStore,
                    new DynamoReplayStore(dynamo, config.table()), q, replayConfig, () -> p, null, clock,
                    new DynamoCheckpointStore(dynamo, config.table()), reportStore, reportConfig,
                    new DynamoApiKeyStore(dynamo, config.table()), prices,
                    log == null ? null : log.withPause(receiptPause),
                    new Subjects(new DynamoSubjectKeyStore(dynamo, config.table()),
                            new DynamoLifecycleStore(dynamo, config.table()), subjectWrapper, lifecycleSettings),
                    appendPolicy);
        }

        /**
         * How the ledger appends: {@link Ledger.Policy#defaults()} (direct, with group commit: one process serving many
         * requests, the local stack) unless set; {@link Ledger.Policy#stagedDefaults()} for many processes each serving
         * one request at a time (Lambda).
         */
        public Builder appendPolicy(Ledger.Policy policy) {
            this.appendPolicy = policy;
            return this;
        }

        /** How many partition keys a chain's staged requests are spread over (see {@link #stagePartitions(Map)}). */
        public Builder stagePartitions(int partitions) {
            this.stagePartitions = partitions;
            return this;
        }
    }

    /**
     * {@code LOOPGRID_STAGE_PARTITIONS}: how many partition keys a chain's staged requests are spread over, 1 to
     * {@value dev.loopgrid.aws.store.LedgerKeys#MAX_STAGE_PARTITIONS}, default
     * {@value dev.loopgrid.aws.store.LedgerKeys#DEFAULT_STAGE_PARTITIONS} (a chain staging 2,000 decisions/s at half of
     * each key's write limit). Fewer mean fewer reads per batch; every function of a table must use the same count.
     */
    public static int stagePartitions(Map<String, String> env) {
        String v = blankToNull(env.get("LOOPGRID_STAGE_PARTITIONS"));
        if (v == null) return dev.loopgrid.aws.store.LedgerKeys.DEFAULT_STAGE_PARTITIONS;
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1 && n <= dev.loopgrid.aws.store.LedgerKeys.MAX_STAGE_PARTITIONS) return n;
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalStateException("LOOPGRID_STAGE_PARTITIONS must be a whole number from 1 to "
                + dev.loopgrid.aws.store.LedgerKeys.MAX_STAGE_PARTITIONS + ", not \"" + v + "\"");
    }

    /**
     * The append policy of {@code LOOPGRID_APPEND_MODE}: {@code staged} (the default on Lambda, where every instance
     * serves one request at a time and group commit batches nothing) or {@code direct}.
     */
    public static Ledger.Policy appendPolicy(Map<String, String> env) {
        String mode = blankToNull(env.get("LOOPGRID_APPEND_MODE"));
        if (mode == null || mode.trim().equalsIgnoreCase("staged")) return Ledger.Policy.stagedDefaults();
        if (mode.trim().equalsIgnoreCase("direct")) return Ledger.Policy.defaults();
        throw new IllegalStateException("LOOPGRID_APPEND_MODE must be staged or direct, not \"" + mode + "\"");
    }

    /** The replay executor, built on first use (only the worker needs providers and their secrets). */
    public ReplayExecutor replayExecutor() {
        ReplayExecutor e = executor;
        if (e == null) {
            synchronized (this) {
                e = executor;
                if (e == null) {
                    executor = e = new ReplayExecutor(replayStore, decisionIndex, ledger, providers.get(), clock,
                            replayConfig.leaseMillis(), dev.loopgrid.aws.telemetry.Telemetry.replayListener(),
                            subjectKeys);
                }
            }
        }
        return e;
    }

    /** The replay queue, or null when no queue is configured. */
    public WorkQueue workQueue() {
        return sqsQueue;
    }

    /**
     * A replay recovery over this app's replay store and queue, on its clock: {@link ReplayRecovery#sweep} looks at
     * open replays older than {@code graceMillis} (the scheduled function on AWS; the local stack builds its own).
     *
     * @throws IllegalStateException when no replay queue is configured ({@code LOOPGRID_QUEUE_URL})
     */
    public ReplayRecovery replayRecovery(long graceMillis) {
        if (sqsQueue == null) {
            throw new IllegalStateException("replay recovery needs the replay queue (LOOPGRID_QUEUE_URL)");
        }
        return new ReplayRecovery(replayStore, sqsQueue, clock, graceMillis);
    }

    /** The process-wide instance, built from the environment on first use (Lambda). */
    public static App get() {
        App a = instance;
        if (a == null) {
            synchronized (App.class) {
                a = instance;
                if (a == null) {
                    instance = a = fromEnvironment(System.getenv());
                }
            }
        }
        return a;
    }

    /** Installs the process-wide instance (the local stack does this before serving). */
    public static void install(App app) {
        instance = app;
    }

    /**
     * A function's DynamoDB client: URLConnection, bounded attempt and call times, the function's region, and
     * {@code LOOPGRID_DYNAMODB_ENDPOINT} when set (the local stack's DynamoDB). The key authorizer uses it too.
     */
    public static DynamoDbClient dynamoClient(Map<String, String> env, Duration attemptTimeout, Duration callTimeout) {
        var builder = DynamoDbClient.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(attemptTimeout)
                        .build())
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallAttemptTimeout(attemptTimeout)
                        .apiCallTimeout(callTimeout)
                        .build());
        String region = env.get("AWS_REGION");
        if (region != null) builder.region(Region.of(region));
        String endpoint = env.get("LOOPGRID_DYNAMODB_ENDPOINT");
        if (endpoint != null && !endpoint.isBlank()) builder.endpointOverride(URI.create(endpoint));
        return builder.build();
    }

    static App fromEnvironment(Map<String, String> env) {
        Config config = Config.fromEnvironment(env);
        String region = env.get("AWS_REGION");
        DynamoDbClient dynamo = dynamoClient(env, Duration.ofSeconds(5), Duration.ofSeconds(12));
        ReplayConfig replayConfig = ReplayConfig.fromEnvironment(env);
        SqsClient sqs = null;
        if (replayConfig.queueUrl() != null) {
            var sqsBuilder = SqsClient.builder().httpClient(UrlConnectionHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(2)).socketTimeout(Duration.ofSeconds(5)).build());
            if (region != null) sqsBuilder.region(Region.of(region));
            sqs = sqsBuilder.build();
        }
        SqsWorkQueue q = sqs == null ? null : new SqsWorkQueue(sqs, replayConfig.queueUrl());
        Clock clock = Clock.systemUTC();
        ReportConfig reportConfig = ReportConfig.fromEnvironment(env);
        String contentBucket = env.get("LOOPGRID_CONTENT_BUCKET");
        if (contentBucket != null && contentBucket.isBlank()) contentBucket = null;
        String logBucket = blankToNull(env.get("LOOPGRID_LOG_BUCKET"));
        String checkpointBucket = blankToNull(env.get("LOOPGRID_CHECKPOINT_BUCKET"));
        // one S3 client for reports, content and the log, built only where one of the buckets is configured
        var s3 = reportConfig.bucket() == null && contentBucket == null && logBucket == null && checkpointBucket == null
                ? null : s3Client(env, region);
        DynamoStores stores = DynamoStores.of(dynamo, config.table(), clock, stagePartitions(env));
        return new App(config, stores.chains(), stores.index(),
                contentBucket == null ? null : new S3ContentStore(s3, contentBucket),
                new DynamoReplayStore(dynamo, config.table()), q, replayConfig,
                () -> dev.loopgrid.aws.providers.Providers.fromEnvironment(env),
                dev.loopgrid.aws.telemetry.Telemetry.ledgerListener(), clock,
                new DynamoCheckpointStore(dynamo, config.table()), reportStore(s3, env, reportConfig, region, clock),
                reportConfig, new DynamoApiKeyStore(dynamo, config.table()), prices(env),
                logSetup(env, dynamo, s3, config, region, logBucket, checkpointBucket, clock),
                subjects(env, dynamo, config, region), appendPolicy(env));
    }

    /**
     * Data subjects on AWS: data keys wrapped by the KMS key {@code LOOPGRID_SUBJECT_KMS_KEY} (without it no decision
     * may name a subject); retention floor default {@code LOOPGRID_RETENTION_FLOOR_DAYS} (180), backup window
     * {@code LOOPGRID_BACKUP_WINDOW_DAYS} (35: DynamoDB point-in-time recovery's longest).
     */
    static Subjects subjects(Map<String, String> env, DynamoDbClient dynamo, Config config, String region) {
        String keyId = blankToNull(env.get("LOOPGRID_SUBJECT_KMS_KEY"));
        KeyWrapper wrapper = null;
        if (keyId != null) {
            // built on first use, like the log's signer: most requests never meet a data subject
            wrapper = new KmsKeyWrapper(memoize(() -> {
                var kms = software.amazon.awssdk.services.kms.KmsClient.builder().httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2)).socketTimeout(Duration.ofSeconds(5)).build());
                if (region != null) kms.region(Region.of(region));
                return kms.build();
            }), keyId);
        }
        return new Subjects(new DynamoSubjectKeyStore(dynamo, config.table()),
                new DynamoLifecycleStore(dynamo, config.table()), wrapper, lifecycleSettings(env));
    }

    /** The lifecycle settings of {@code LOOPGRID_RETENTION_FLOOR_DAYS} and {@code LOOPGRID_BACKUP_WINDOW_DAYS}. */
    public static LifecycleService.Settings lifecycleSettings(Map<String, String> env) {
        LifecycleService.Settings d = LifecycleService.Settings.defaults();
        String floor = blankToNull(env.get("LOOPGRID_RETENTION_FLOOR_DAYS"));
        String window = blankToNull(env.get("LOOPGRID_BACKUP_WINDOW_DAYS"));
        return new LifecycleService.Settings(floor == null ? d.defaultFloorDays() : Integer.parseInt(floor.trim()),
                window == null ? d.backupWindow() : Duration.ofDays(Long.parseLong(window.trim())));
    }

    private static String blankToNull(String v) {
        return v == null || v.isBlank() ? null : v;
    }

    /**
     * The log in AWS: tiles in {@code LOOPGRID_LOG_BUCKET}, signed checkpoints in {@code LOOPGRID_CHECKPOINT_BUCKET}
     * (Object Lock, compliance mode, retained {@code LOOPGRID_CHECKPOINT_RETENTION_DAYS}, default 180), signed by the
     * KMS key {@code LOOPGRID_LOG_KMS_KEY} (Ed25519), named {@code LOOPGRID_LOG_ORIGIN}; checkpoints at most every
     * {@code LOOPGRID_CHECKPOINT_INTERVAL_MS} (default 5,000) per tenant. Null unless both buckets and the key are set.
     */
    static LogSetup logSetup(Map<String, String> env, DynamoDbClient dynamo, software.amazon.awssdk.services.s3.S3Client s3,
                             Config config, String region, String logBucket, String checkpointBucket, Clock clock) {
        String keyId = blankToNull(env.get("LOOPGRID_LOG_KMS_KEY"));
        if (logBucket == null || checkpointBucket == null || keyId == null) return null;
        LogConfig lc = new LogConfig(env.getOrDefault("LOOPGRID_LOG_ORIGIN", "loopgrid/" + config.table()),
                Long.parseLong(env.getOrDefault("LOOPGRID_CHECKPOINT_INTERVAL_MS", "5000")), 1000);
        Duration retention = Duration.ofDays(Long.parseLong(env.getOrDefault("LOOPGRID_CHECKPOINT_RETENTION_DAYS", "180")));
        Supplier<NoteSigner> signer = memoize(() -> {
            var kms = software.amazon.awssdk.services.kms.KmsClient.builder().httpClient(UrlConnectionHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(2)).socketTimeout(Duration.ofSeconds(5)).build());
            if (region != null) kms.region(Region.of(region));
            return LogKeys.kms(kms.build(), keyId, lc.originPrefix());
        });
        return new LogSetup(new DynamoLogStore(dynamo, config.table()), new S3TileStore(s3, logBucket),
                new S3SignedCheckpoints(s3, checkpointBucket, retention, clock), signer, lc, false);
    }

    private static <T> Supplier<T> memoize(Supplier<T> s) {
        return new Supplier<>() {
            private volatile T value;

            @Override
            public T get() {
                T v = value;
                if (v == null) {
                    synchronized (this) {
                        v = value;
                        if (v == null) value = v = s.get();
                    }
                }
                return v;
            }
        };
    }

    /**
     * The price table of {@code LOOPGRID_PRICES} (JSON, {@link PriceTable#parse}) or of the file named by
     * {@code LOOPGRID_PRICES_FILE}; empty when neither is set.
     *
     * @throws IllegalStateException naming the variable when its table is not valid
     */
    public static PriceTable prices(Map<String, String> env) {
        String text = env.get("LOOPGRID_PRICES");
        String name = "LOOPGRID_PRICES";
        String file = env.get("LOOPGRID_PRICES_FILE");
        if ((text == null || text.isBlank()) && file != null && !file.isBlank()) {
            name = "LOOPGRID_PRICES_FILE (" + file + ")";
            try {
                text = java.nio.file.Files.readString(java.nio.file.Path.of(file));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(name + " cannot be read: " + e.getMessage(), e);
            }
        }
        if (text == null || text.isBlank()) return PriceTable.EMPTY;
        try {
            return PriceTable.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
    }

    private static software.amazon.awssdk.services.s3.S3Client s3Client(Map<String, String> env, String region) {
        var s3 = software.amazon.awssdk.services.s3.S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2)).socketTimeout(Duration.ofSeconds(10)).build());
        if (region != null) s3.region(Region.of(region));
        String endpoint = env.get("LOOPGRID_S3_ENDPOINT"); // an S3-compatible server (path-style addressing)
        if (endpoint != null && !endpoint.isBlank()) {
            s3.endpointOverride(URI.create(endpoint)).serviceConfiguration(
                    software.amazon.awssdk.services.s3.S3Configuration.builder().pathStyleAccessEnabled(true).build());
        }
        return s3.build();
    }

    /** The reports bucket's store when {@code LOOPGRID_REPORTS_BUCKET} is set (only report and export functions have it). */
    private static ReportStore reportStore(software.amazon.awssdk.services.s3.S3Client s3, Map<String, String> env,
                                           ReportConfig rc, String region, Clock clock) {
        if (rc.bucket() == null) return null;
        var presigner = software.amazon.awssdk.services.s3.presigner.S3Presigner.builder();
        if (region != null) presigner.region(Region.of(region));
        String endpoint = env.get("LOOPGRID_S3_ENDPOINT");
        if (endpoint != null && !endpoint.isBlank()) {
            presigner.endpointOverride(URI.create(endpoint)).serviceConfiguration(
                    software.amazon.awssdk.services.s3.S3Configuration.builder().pathStyleAccessEnabled(true).build());
        }
        return new S3ReportStore(s3, presigner.build(), rc.bucket(), rc.urlTtl(), clock);
    }
}
