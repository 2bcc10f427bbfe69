package dev.loopgrid.local;

import dev.loopgrid.aws.providers.Providers;
import dev.loopgrid.aws.worker.ReplayWorkerHandler;
import dev.loopgrid.core.replay.LlmProvider;
import dev.loopgrid.core.replay.ReplayRecovery;
import java.util.Map;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.subject.FileKeyWrapper;
import dev.loopgrid.aws.log.LogKeys;
import dev.loopgrid.aws.log.S3SignedCheckpoints;
import dev.loopgrid.aws.log.S3TileStore;
import dev.loopgrid.core.log.LogConfig;
import dev.loopgrid.aws.Routes;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stack's command line: {@code serve} (the default) runs the whole API over embedded DynamoDB
 * Local; {@code bench} runs the bench.
 */
public final class Main {
    static {
        // before any logger exists: the local stack logs plain lines; the Lambda jar's log4j2.xml logs JSON
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "log4j2-local.xml");
        }
    }

    /** The local stack's bucket of signed checkpoints (on AWS a bucket with Object Lock in compliance mode). */
    static final String CHECKPOINT_BUCKET = "loopgrid-checkpoints";
    /** At most one signed checkpoint per tenant this often (receipts are ready within about this much). */
    static final long CHECKPOINT_INTERVAL_MILLIS = 500;
    /** How often scheduled erasures that are due run (on AWS: a scheduled function). */
    static final long LIFECYCLE_SWEEP_MILLIS = 60_000;
    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: java -jar loopgrid-local.jar [serve] [options]",
            "       java -jar loopgrid-local.jar bench [bench options]   (bench --help for its options)",
            "       java -jar loopgrid-local.jar demo [--url URL]        (record → … → compliance report; demo --help)",
            "       java -jar loopgrid-local.jar keys create|list|revoke  (API keys, e.g. the first admin key; keys --help)",
            "",
            "Runs the LoopGrid API locally: the same handler classes as the Lambda functions, over an embedded",
            "DynamoDB Local. No cloud account, no Docker.",
            "",
            "Options:",
            "  --port N          HTTP port (default 8000; 0 picks a free one)",
            "  --host H          interface to bind (default 127.0.0.1)",
            "  --data-dir DIR    where data persists (default ./.loopgrid; DynamoDB under DIR/dynamodb, reports under DIR/s3)",
            "  --in-memory       keep everything in memory (nothing persists)",
            "  --table NAME      ledger table name (default loopgrid-ledger)",
            "  --require-keys    require an API key (Authorization: Bearer / X-Api-Key) on every route but /health,",
            "                    /, /openapi.json and /docs; tenant and role come from the key. Default: open,",
            "                    single tenant \"local\". Create the first admin key with `keys create`.",
            "  --rate N          per-tenant limit: N requests/s on API routes (default: unlimited); beyond it 429",
            "  --burst N         bucket size for --rate (default 2 x rate)",
            "  --header-timeout S  seconds a request's line and headers may take to arrive (default 10); then 408, closed",
            "  --idle-timeout S    seconds a kept-alive connection may sit without a request, or a body stall (default 30)",
            "  --max-connections N open connections at most (default 1000); one more gets 503 and is closed",
            "  --help            this text");

    /** Parsed {@code serve} options. */
    public record Options(String host, int port, Path dataDir, boolean inMemory, String table, boolean requireKeys,
                          double rate, int burst, LocalHttpServer.Limits limits) {
        /** Open mode, no rate limit. */
        public Options(String host, int port, Path dataDir, boolean inMemory, String table) {
            this(host, port, dataDir, inMemory, table, false, 0, 0);
        }

        /** The default connection limits ({@link LocalHttpServer.Limits#DEFAULTS}). */
        public Options(String host, int port, Path dataDir, boolean inMemory, String table, boolean requireKeys,
                       double rate, int burst) {
            this(host, port, dataDir, inMemory, table, requireKeys, rate, burst, LocalHttpServer.Limits.DEFAULTS);
        }

        public static Options defaults() {
            return new Options("127.0.0.1", 8000, Paths.get(".loopgrid"), false, "loopgrid-ledger");
        }
    }

    /** A command line that cannot be run; the message says why. */
    public static final class UsageException extends Exception {
        UsageException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * sqlite4java (inside DynamoDB Local) logs through java.util.logging, e.g. a harmless "unknown jar
     * version" WARNING when it runs from a shaded jar; keep only its errors. A filter, because DynamoDB Local
     * resets the logger's level when it starts. Held here so the logger is not collected.
     */
    private static final java.util.logging.Logger SQLITE_LOG = java.util.logging.Logger.getLogger("com.almworks.sqlite4java");

    private Main() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code >= 0) {
            LogManager.shutdown();
            System.exit(code);
        }
        // code < 0: serving until Ctrl-C; the shutdown hook stops everything and the JVM exits
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs a command. Returns an exit code, or -1 when the server is running (it stops on JVM shutdown).
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String command = args.length > 0 && !args[0].startsWith("-") ? args[0] : "serve";
        String[] rest = args.length > 0 && !args[0].startsWith("-") ? Arrays.copyOfRange(args, 1, args.length) : args;
        switch (command) {
            case "serve": {
                Options o;
                try {
                    o = parse(rest);
                } catch (UsageException e) {
                    err.println("error: " + e.getMessage());
                    err.println();
                    err.println(USAGE);
                    return 2;
                }
                if (o == null) {
                    out.println(USAGE);
                    return 0;
                }
                try {
                    serve(o, out);
                    return -1;
                } catch (Exception e) {
                    err.println("error: could not start: " + e);
                    err.flush();
                    return 1;
                }
            }
            case "bench":
                return dev.loopgrid.local.bench.Bench.run(rest);
            case "demo":
                return dev.loopgrid.local.demo.Demo.run(rest, out, err,
                        quiet -> start(parse(new String[] {"--in-memory", "--port", "0"}), quiet));
            case "keys":
                return KeysCommand.run(rest, out, err);
            case "help":
                out.println(USAGE);
                return 0;
            default:
                err.println("error: unknown command \"" + command + "\"");
                err.println();
                err.println(USAGE);
                return 2;
        }
    }

    /** Parses serve options; null means --help. */
    public static Options parse(String[] args) throws UsageException {
        Options d = Options.defaults();
        String host = d.host();
        int port = d.port();
        Path dataDir = d.dataDir();
        boolean inMemory = false;
        String table = d.table();
        boolean requireKeys = false;
        double rate = 0;
        int burst = 0;
        LocalHttpServer.Limits limits = LocalHttpServer.Limits.DEFAULTS;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--in-memory" -> {
                    if (value != null) throw new UsageException("--in-memory takes no value");
                    inMemory = true;
                }
                case "--require-keys" -> {
                    if (value != null) throw new UsageException("--require-keys takes no value");
                    requireKeys = true;
                }
                case "--rate", "--burst" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) throw new UsageException(a + " needs a value");
                        value = args[++i];
                    }
                    double v;
                    try {
                        v = Double.parseDouble(value);
                    } catch (NumberFormatException e) {
                        v = -1;
                    }
                    if (!(v > 0) || v > 1_000_000 || (a.equals("--burst") && v != Math.floor(v))) {
                        throw new UsageException(a + " must be a positive number" + (a.equals("--burst") ? " (whole)" : "")
                                + ", got \"" + value + "\"");
                    }
                    if (a.equals("--rate")) rate = v; else burst = (int) v;
                }
                case "--header-timeout", "--idle-timeout", "--max-connections" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) throw new UsageException(a + " needs a value");
                        value = args[++i];
                    }
                    long v;
                    try {
                        v = Long.parseLong(value.trim());
                    } catch (NumberFormatException e) {
                        v = -1;
                    }
                    long max = a.equals("--max-connections") ? 100_000 : 3600;
                    if (v < 1 || v > max) {
                        throw new UsageException(a + " must be a whole number from 1 to " + max + ", got \"" + value + "\"");
                    }
                    limits = switch (a) {
                        case "--header-timeout" -> limits.withHeaderTimeout(java.time.Duration.ofSeconds(v));
                        case "--idle-timeout" -> limits.withIdleTimeout(java.time.Duration.ofSeconds(v));
                        default -> limits.withMaxConnections((int) v);
                    };
                }
                case "--port", "--host", "--data-dir", "--table" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) throw new UsageException(a + " needs a value");
                        value = args[++i];
                    }
                    switch (a) {
                        case "--port" -> {
                            try {
                                port = Integer.parseInt(value);
                            } catch (NumberFormatException e) {
                                port = -1;
                            }
                            if (port < 0 || port > 65535) {
                                throw new UsageException("--port must be a number from 0 to 65535, got \"" + value + "\"");
                            }
                        }
                        case "--host" -> {
                            if (value.isBlank()) throw new UsageException("--host must not be empty");
                            host = value;
                        }
                        case "--data-dir" -> {
                            if (value.isBlank()) throw new UsageException("--data-dir must not be empty");
                            dataDir = Paths.get(value);
                        }
                        default -> {
                            if (!value.matches("[A-Za-z0-9_.-]{3,255}")) {
                                throw new UsageException("--table must be 3..255 characters of A-Z a-z 0-9 _ . -, got \""
                                        + value + "\"");
                            }
                            table = value;
                        }
                    }
                }
                default -> throw new UsageException("unknown option \"" + args[i] + "\"");
            }
        }
        if (burst > 0 && rate == 0) throw new UsageException("--burst needs --rate");
        if (rate > 0 && burst == 0) burst = (int) Math.max(1, Math.ceil(rate * 2));
        return new Options(host, port, dataDir, inMemory, table, requireKeys, rate, burst, limits);
    }

    /** The tenant of open mode. */
    public static final String LOCAL_TENANT = "local";
    static final String REPLAY_QUEUE = "loopgrid-replays";
    static final int MAX_RECEIVES = 5;
    static final int VISIBILITY_TIMEOUT_SECONDS = 60;
    /** A worker's claim on a replay; shorter than the visibility timeout, so a redelivery finds it expired. */
    static final long LEASE_MILLIS = 50_000;
    /** How often the replay recovery sweeps, and how old an open replay must be for a periodic sweep to look at it. */
    static final long RECOVERY_PERIOD_MILLIS = 60_000;
    static final long RECOVERY_GRACE_MILLIS = 120_000;

    /** A running local stack: the HTTP front, the replay queue and its worker, over DynamoDB Local. Closing stops all (idempotent). */
    public static final class Running implements AutoCloseable, dev.loopgrid.local.demo.Demo.Stack {
        private static final Logger LOG = LoggerFactory.getLogger(Main.class);
        private final LocalHttpServer http;
        private final EmbeddedDynamo dynamo;
        private final EmbeddedSqs sqs;
        private final EmbeddedS3 s3;
        private final QueuePoller poller;
        private final Path dataDir;
        private final long startupMillis;
        private final IntegratorLoop integrator;
        private final LifecycleSweeper lifecycleSweeper;
        private final ReplayRecoveryLoop recovery;
        private boolean closed;

        private Running(LocalHttpServer http, EmbeddedDynamo dynamo, EmbeddedSqs sqs, EmbeddedS3 s3, QueuePoller poller,
                        Path dataDir, long startupMillis, IntegratorLoop integrator, ReplayRecoveryLoop recovery,
                        LifecycleSweeper lifecycleSweeper) {
            this.integrator = integrator;
            this.recovery = recovery;
            this.lifecycleSweeper = lifecycleSweeper;
            this.http = http;
            this.dynamo = dynamo;
            this.sqs = sqs;
            this.s3 = s3;
            this.poller = poller;
            this.dataDir = dataDir;
            this.startupMillis = startupMillis;
        }

        /** The API's base URL. */
        public String url() {
            return http.url();
        }

        /** Where DynamoDB Local keeps its data, or null in memory. */
        public Path dataDir() {
            return dataDir;
        }

        public long startupMillis() {
            return startupMillis;
        }

        /** The embedded DynamoDB Local's endpoint (what {@code keys --endpoint} takes while the stack runs). */
        public java.net.URI dynamoEndpoint() {
            return dynamo.endpoint();
        }

        /** The embedded S3-compatible server holding the reports bucket (and large decisions' content). */
        public EmbeddedS3 s3() {
            return s3;
        }

        /** The embedded DynamoDB Local holding the ledger table. */
        public EmbeddedDynamo dynamo() {
            return dynamo;
        }

        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            try {
                http.stop(1);
            } catch (RuntimeException e) {
                LOG.warn("stopping the HTTP server: {}", e.toString());
            }
            integrator.close();
            recovery.close();
            lifecycleSweeper.close();
            try {
                poller.close();
                sqs.close();
            } catch (RuntimeException e) {
                LOG.warn("stopping the replay queue: {}", e.toString());
            }
            try {
                s3.close();
            } catch (RuntimeException e) {
                LOG.warn("stopping S3Proxy: {}", e.toString());
            }
            try {
                dynamo.close();
            } catch (RuntimeException e) {
                LOG.warn("closing DynamoDB Local: {}", e.toString());
            }
        }
    }

    /** Starts the stack the CLI describes and prints where it is; the caller closes it. */
    public static Running start(Options o, PrintStream out) throws Exception {
        long t0 = System.nanoTime();
        long startedAt = System.currentTimeMillis();
        SQLITE_LOG.setFilter(r -> r.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue());
        Path dynamoDir = o.inMemory() ? null : o.dataDir().resolve("dynamodb").toAbsolutePath().normalize();
        // ElasticMQ starts while DynamoDB Local does: both take a second or two
        java.util.concurrent.CompletableFuture<EmbeddedSqs> sqsStart =
                java.util.concurrent.CompletableFuture.supplyAsync(EmbeddedSqs::start);
        // and so does S3Proxy (the reports bucket)
        Path s3Dir = o.inMemory() ? null : o.dataDir().resolve("s3").toAbsolutePath().normalize();
        java.util.concurrent.CompletableFuture<EmbeddedS3> s3Start =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> EmbeddedS3.start(s3Dir, EmbeddedS3.DEFAULT_BUCKET));
        EmbeddedDynamo dynamo;
        try {
            dynamo = EmbeddedDynamo.start(dynamoDir);
        } catch (Exception | Error e) {
            sqsStart.thenAccept(EmbeddedSqs::close);
            s3Start.thenAccept(EmbeddedS3::close);
            throw e;
        }
        long dynamoMs = (System.nanoTime() - t0) / 1_000_000;
        LocalHttpServer http;
        EmbeddedSqs sqs = null;
        EmbeddedS3 s3 = null;
        QueuePoller poller = null;
        IntegratorLoop integratorLoop = null;
        ReplayRecoveryLoop recoveryLoop = null;
        LifecycleSweeper lifecycleSweeper = null;
        String logOrigin = System.getenv().getOrDefault("LOOPGRID_LOG_ORIGIN", "loopgrid.local");
        Map<String, LlmProvider> providers;
        EmbeddedSqs.Queues queues;
        try {
            sqs = sqsStart.join();
            queues = sqs.createQueues(REPLAY_QUEUE, MAX_RECEIVES, VISIBILITY_TIMEOUT_SECONDS);
            dynamo.ensureTable(o.table());
            providers = Providers.fromEnvironment(System.getenv());
            s3 = s3Start.join();
            App.ReportConfig fromEnv = App.ReportConfig.fromEnvironment(System.getenv());
            App.ReportConfig reportConfig = new App.ReportConfig(s3.bucket(), fromEnv.urlTtl(), fromEnv.retentionDays(),
                    fromEnv.exportInlineBytes());
            App app = App.builder(dynamo.client(),
                            App.Config.fromEnvironment(localEnvironment(o.table())).withRequireKeys(o.requireKeys()),
                            Clock.systemUTC())
                    .replays(sqs.client(), new App.ReplayConfig(queues.queueUrl(), MAX_RECEIVES, 2, LEASE_MILLIS))
                    .reports(s3.reportStore(reportConfig.urlTtl(), Clock.systemUTC()), reportConfig)
                    .content(s3.contentStore())
                    .providers(providers)
                    .log(new S3TileStore(s3.client(), s3.bucket()),
                            new S3SignedCheckpoints(s3.client(), s3.ensureBucket(CHECKPOINT_BUCKET), null, Clock.systemUTC()),
                            o.inMemory() ? LogKeys.generate(logOrigin) : LogKeys.fromFile(o.dataDir().resolve("log-signing.key"),
                                    logOrigin),
                            new LogConfig(logOrigin, CHECKPOINT_INTERVAL_MILLIS, 4096))
                    .receiptPause(HttpFront::idle) // a waiting receipt gives its handler slot back while it waits
                    .prices(App.prices(System.getenv())) // LOOPGRID_PRICES / LOOPGRID_PRICES_FILE, as on AWS
                    // data subjects' keys wrapped under a key file of the data dir (KMS on AWS)
                    .subjects(o.inMemory() ? FileKeyWrapper.generate()
                            : FileKeyWrapper.fromFile(o.dataDir().resolve("subject-keys.key")),
                            App.lifecycleSettings(System.getenv()))
                    .build();
            App.install(app);
            lifecycleSweeper = LifecycleSweeper.start(app.lifecycle(), LIFECYCLE_SWEEP_MILLIS);
            integratorLoop = new IntegratorLoop(app.integrator(), () -> dynamo.tenants(o.table()), 50, 30_000).start();
            poller = new QueuePoller(sqs.client(), queues.queueUrl(), new ReplayWorkerHandler(app), 4);
            // the queue is in memory: replays the previous run left pending or running are queued again
            recoveryLoop = new ReplayRecoveryLoop(new ReplayRecovery(app.replayStore, app.workQueue(), Clock.systemUTC(),
                    RECOVERY_GRACE_MILLIS)).start(startedAt, RECOVERY_PERIOD_MILLIS);
            http = new LocalHttpServer(app, Routes.ALL, o.host(), o.port());
            if (o.requireKeys()) http.requireKeys(app.apiKeys);
            if (o.rate() > 0) http.rateLimit(o.rate(), o.burst());
            http.limits(o.limits());
            http.start();
        } catch (Exception | Error e) {
            if (integratorLoop != null) integratorLoop.close();
            if (recoveryLoop != null) recoveryLoop.close();
            if (lifecycleSweeper != null) lifecycleSweeper.close();
            if (poller != null) poller.close();
            if (sqs != null) sqs.close();
            if (s3 != null) s3.close();
            else s3Start.thenAccept(EmbeddedS3::close);
            dynamo.close();
            if (e instanceof java.util.concurrent.CompletionException && e.getCause() instanceof Exception c) throw c;
            throw e;
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        out.println("LoopGrid local " + App.VERSION + " ready in " + ms + " ms (DynamoDB Local " + dynamoMs + " ms)");
        out.println("  API:       " + http.url() + "   (try " + http.url() + "/health)");
        out.println("  DynamoDB:  " + dynamo.endpoint() + "   table " + o.table());
        out.println("  SQS:       " + sqs.endpoint() + "   queue " + REPLAY_QUEUE + " (dead letters: " + REPLAY_QUEUE
                + "-dlq after " + MAX_RECEIVES + " receives)");
        out.println("  S3:        " + s3.endpoint() + "   bucket " + s3.bucket() + " (reports/; links expire after "
                + App.get().reportConfig.urlTtl().toSeconds() + " s; content/ holds decisions above "
                + App.get().config.maxContentBytes() + " bytes, up to " + App.get().config.maxDecisionBytes() + ")");
        out.println("  Replays:   " + (providers.isEmpty() ? "simulated (no provider key set)"
                : "live for " + String.join(", ", new java.util.TreeSet<>(providers.keySet())) + "; others simulated"));
        out.println("  Log:       signed checkpoints every " + CHECKPOINT_INTERVAL_MILLIS + " ms at most; verifier key "
                + App.get().log().verifierKey() + "   (" + http.url() + "/v1/log/key)");
        out.println("  Auth:      " + (o.requireKeys()
                ? "API keys required (create one: java -jar loopgrid-local.jar keys create --tenant T --role admin"
                        + " --endpoint " + dynamo.endpoint() + (o.table().equals(Options.defaults().table()) ? "" : " --table " + o.table()) + ")"
                : "open, single tenant \"" + LOCAL_TENANT + "\" (--require-keys to require API keys)")
                + (o.rate() > 0 ? "; " + o.rate() + " requests/s per tenant, burst " + o.burst() : ""));
        out.println("  Limits:    request head within " + o.limits().headerTimeout().toSeconds() + " s, idle connections closed after "
                + o.limits().idleTimeout().toSeconds() + " s, at most " + o.limits().maxConnections() + " connections");
        out.println("  Data:      " + (dynamoDir == null ? "in memory (nothing persists)" : dynamoDir));
        out.println("  Routes:    " + Routes.ALL.size() + "; Ctrl-C stops");
        out.flush();
        return new Running(http, dynamo, sqs, s3, poller, dynamoDir, ms, integratorLoop, recoveryLoop,
                lifecycleSweeper);
    }

    /**
     * The variables {@link App.Config#fromEnvironment} reads, for the local stack: the table and tenant given, the
     * content limits from the environment ({@code LOOPGRID_MAX_CONTENT_BYTES}, {@code LOOPGRID_MAX_DECISION_BYTES})
     * or their defaults.
     */
    static Map<String, String> localEnvironment(String table) {
        Map<String, String> env = new java.util.HashMap<>();
        for (String name : new String[] {"LOOPGRID_MAX_CONTENT_BYTES", "LOOPGRID_MAX_DECISION_BYTES"}) {
            String v = System.getenv(name);
            if (v != null && !v.isBlank()) env.put(name, v.trim());
        }
        env.put("LOOPGRID_TABLE", table);
        env.put("LOOPGRID_TENANT", LOCAL_TENANT);
        return env;
    }

    /** The CLI's serve: starts, and stops everything on JVM shutdown (Ctrl-C, SIGTERM). */
    private static void serve(Options o, PrintStream out) throws Exception {
        Running running = start(o, out);
        Logger log = LoggerFactory.getLogger(Main.class);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down");
            running.close();
            log.info("stopped");
            LogManager.shutdown();
        }, "loopgrid-shutdown"));
    }
}
