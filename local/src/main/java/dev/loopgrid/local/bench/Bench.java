package dev.loopgrid.local.bench;

import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The bench runner: {@code record} (concurrent appends to one chain over HTTP, then a linearity check),
 * {@code scaling} (append rate against chain length), {@code verify} (in-process chain verification
 * cost and memory), {@code report} (compliance-report latency as the ledger grows, {@link ReportBench}) and
 * {@code otlp} (OTLP/HTTP ingestion of GenAI spans, {@link OtlpBench}) and {@code lambda} (N independent
 * function instances on one chain, {@link LambdaBench}) and {@code store} (DynamoDB Local's own ceiling,
 * {@link StoreBench}). Benchmarks, not tests: nothing here asserts on timing except the exit codes documented
 * in {@link #USAGE}. See docs/benchmarks.md for the numbers measured.
 */
public final class Bench {

    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: java -jar loopgrid-local.jar bench <record|scaling|verify|replay|report|otlp|crash|erase|lambda|store> [options]",
            "",
            "  bench record  [--url URL] [--clients 32] [--requests 4000] [--size 1024] [--warmup 200]",
            "                [--service NAME] [--timeout SECONDS] [--api-key KEY] [--trace FILE.csv]",
            "      CLIENTS threads POST /v1/decisions, REQUESTS in all, each body about SIZE bytes, to one",
            "      fresh service (one chain; default bench-<random>). Warm-up requests go to NAME-warmup.",
            "      Prints throughput, latency p50/p90/p99/max of the 201s and errors by status, then reads",
            "      the chain back (GET /v1/decisions, following next_cursor), checks sequences are 1..N with",
            "      no gap, duplicate or fork and each previous_hash is the chain_hash of sequence-1,",
            "      recomputes both hashes of every decision, and calls GET /v1/integrity/verify.",
            "      --trace writes request,start_ms,latency_ms,status per measured request.",
            "      Exit 1 on a fork, gap, duplicate, missing decision, hash mismatch or failed verify.",
            "",
            "  bench scaling [--url URL] [--clients 8] [--at 1000,100000] [--sample 2000] [--repeat 3]",
            "                [--size 1024] [--warmup 2000] [--service NAME] [--no-check] [--timeout SECONDS]",
            "                [--api-key KEY]",
            "      Fills one chain to each level of --at (ascending) as fast as the clients can, then measures",
            "      the append rate over SAMPLE requests there, REPEAT times back to back (the level's rate is",
            "      the median). Prints the rate at each level and the ratio last/first.",
            "      Then checks the whole chain as record does (unless --no-check).",
            "      Exit 1 when last/first < 0.9 or the chain is not linear.",
            "",
            "  bench verify  [--entries 1000000] [--size 1024] [--runs 3] [--distinct 1024]",
            "      In process, no server: ChainVerifier over a lazily generated chain of ENTRIES decision",
            "      entries (content about SIZE bytes of canonical JSON, DISTINCT different contents; nothing",
            "      per entry is held). Prints verify CPU µs per entry (thread CPU time, net of generating the",
            "      entries) and heap in use. --entries takes a list, e.g. 100000,1000000, to compare memory.",
            "      Exit 1 when the chain does not verify or the median exceeds 3 µs/entry.",
            "",
            "  bench replay  [--url URL] [--clients 4] [--replays 200] [--warmup 20] [--service NAME]",
            "      Records one decision, then CLIENTS threads POST /v1/replays?wait=20 with a changed prompt,",
            "      REPLAYS in all (simulated unless the server has a provider key): end-to-end latency through",
            "      the queue and the worker (p50/p90/p99/max), replays completed per second, and the chain",
            "      (decision + one replay entry each) verified. Exit 1 on any replay not completed in the wait.",
            "",
            "  bench report  [--at 1000,100000] [--repeat 20] [--new 100] [--clients 16] [--size 512]",
            "      In process (own DynamoDB Local, S3Proxy and HTTP front): fills one chain to each level of",
            "      --at (about 5 % of decisions flagged, 2 % corrected, 10 % confirmed; latency and tokens in",
            "      metadata), then times GET /v1/compliance/report over HTTP: the first report at the level,",
            "      REPEAT reports with nothing new, and REPEAT reports after NEW more decisions each; one full",
            "      GET /v1/integrity/verify for contrast; and REPEAT GET /v1/stats.",
            "      Exit 1 when the steady-state median at the last level is above 3x the first.",
            "",
            "  bench erase   [--decisions 10000] [--clients 16] [--size 1024]",
            "      In process (own DynamoDB Local, S3Proxy and HTTP front): records DECISIONS decisions of one data",
            "      subject (sealed, carrying a marker) and DECISIONS of no subject, and prints both rates; erases the",
            "      subject (legal basis given) and times that request; then checks reads are erased, the chain",
            "      verifies, and neither the table nor any bucket object holds the marker. Exit 1 otherwise.",
            "",
            "  bench integrate [--entries 100000] [--chains 1] [--batch 1000]",
            "      In process (own DynamoDB Local and S3Proxy): the log's integrator alone over ENTRIES entries offered",
            "      in batches of BATCH: sequencing commits, tiles and entry bundles, a signed checkpoint per pass.",
            "      Prints entries/s. Exit 1 unless the final checkpoint covers every entry.",
            "",
            "  bench receipts [--url URL] [--rate 300] [--seconds 20] [--warmup 5] [--size 1024] [--service NAME] [--api-key KEY]",
            "      Records RATE decisions/s for SECONDS; right after each 201 asks GET /v1/decisions/{id}/receipt?wait=20",
            "      and measures the time from the 201 to the receipt (p50/p90/p99/max) and the largest receipt's size.",
            "      The same load runs WARMUP seconds first, unmeasured (the client's threads, connections and JIT).",
            "      Exit 1 on any failed record or receipt.",
            "",
            "  bench otlp    [--url URL] [--clients 4] [--exports 200] [--spans 100] [--warmup 10] [--service NAME]",
            "                [--services 1] [--gzip] [--json] [--timeout SECONDS] [--api-key KEY]",
            "      CLIENTS threads POST OTLP/HTTP exports (protobuf; --json for OTLP/JSON, --gzip to compress) of",
            "      SPANS GenAI chat spans each (v1.37+ conventions, with messages) to /v1/traces, EXPORTS in all,",
            "      to one fresh service (one chain), or spread over SERVICES services (chains NAME-0…). Prints GenAI",
            "      spans recorded per second, export latency p50/p90/p99/max and errors, then checks the chains",
            "      hold every span and verifies them.",
            "      Exit 1 when a span is missing or rejected, or the chain does not verify.",
            "",
            "  bench crash   [--rounds 20] [--writers 16] [--min-ms 1000] [--max-ms 4000] [--size 1024]",
            "                [--data-dir DIR]",
            "      Durability under kill -9: starts the local stack (serve --data-dir DIR, default a fresh temporary",
            "      directory) as a child JVM, WRITERS threads record decisions into a fresh service for MIN..MAX ms,",
            "      then the child is killed with SIGKILL, started again on the same directory, and every decision",
            "      that was answered 201 is read back (same sequence, chain_hash, output) and the chain verified.",
            "      The restarted child serves the next round. Prints lost=N (missing) and changed=N per round and",
            "      in all. Exit 1 when any acknowledged decision is lost or changed, or a chain does not verify.",
            "",
            "  bench lambda  [--instances 64] [--seconds 20] [--chains 1] [--size 1024] [--warmup 3] [--batch 1]",
            "                [--mode staged|direct]",
            "      The Lambda model, in process (own DynamoDB Local in memory): INSTANCES independent App instances",
            "      (each its own DynamoDB client and ledger, so no group commit) each drive RecordDecisionHandler in",
            "      a closed loop, one request at a time, for SECONDS after WARMUP seconds; decisions go round-robin",
            "      to CHAINS services. Prints appends/s, attempts per append (TransactWriteItems per 201) and",
            "      cancelled transactions by reason, 503s, latency p50/p90/p99/max, DynamoDB requests per append by",
            "      operation, consumed capacity as DynamoDB Local reports it and WCU per append computed from the",
            "      written items, the gaps between a chain's committed transactions (how long its head stood still;",
            "      those after which another instance appended: the lease changed hands), and the hottest partition",
            "      keys of the table, of one item and of each GSI in",
            "      writes/s and WCU/s, scaled against AWS's 1,000 WCU/s per partition, with how many keys each",
            "      spread over (a GSI's shards: LedgerTable.TENANT_INDEX_SHARDS). Then verifies every chain.",
            "      The last line ends with 503=N. Exit 0 even with 503s; 1 when a chain does not verify.",
            "      --batch N (2..100): each request is POST /v1/decisions/batch of N decisions to one chain; appends,",
            "      503s and per-append figures count items, attempts are the transactions per appended decision.",
            "      --mode staged (default, as on Lambda: LOOPGRID_APPEND_MODE): a writer that saw no other lately appends",
            "      directly, else stages its request and whoever holds the chain's lease appends every staged one;",
            "      staged-always stages every request; direct appends with optimistic retries.",
            "      --stage-partitions N (1..32, default 24: LOOPGRID_STAGE_PARTITIONS): staging keys per chain.",
            "",
            "  bench store   [--op tx|put|get] [--items 100] [--threads 2] [--seconds 15] [--warmup 5] [--size 1024]",
            "      The local store's own ceiling, nothing of LoopGrid on the path: THREADS threads send requests in",
            "      a closed loop to a fresh in-memory DynamoDB Local with the ledger's table, for SECONDS after WARMUP",
            "      seconds. --op tx (default): TransactWriteItems of ITEMS conditional puts (SIZE bytes of content",
            "      each; every second item with the four index keys, as a projection beside its entry); put: single",
            "      conditional PutItems of such items; get: consistent BatchGetItems of ITEMS random keys of items",
            "      the warm-up wrote. Prints items/s, requests/s, ms/request.",
            "",
            "  --url defaults to http://127.0.0.1:8000. Counts accept 100_000, 100k, 1M.",
            "  Exit 2 on a bad command line.");

    private static final Set<String> HTTP_OPTIONS = Set.of("url", "clients", "size", "warmup", "service", "timeout",
            "api-key");

    private Bench() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one bench; returns the process exit code. */
    public static int run(String[] args) {
        Locale.setDefault(Locale.ROOT); // "1234.5", never "1234,5"
        List<String> list = Arrays.asList(args);
        if (!list.isEmpty() && list.get(0).equals("bench")) list = list.subList(1, list.size());
        if (list.isEmpty()) return bad(System.err, "missing subcommand");
        String command = list.get(0);
        List<String> rest = list.subList(1, list.size());
        if (command.equals("--help") || command.equals("-h") || command.equals("help")
                || rest.contains("--help") || rest.contains("-h")) {
            System.out.println(USAGE);
            return 0;
        }
        try {
            switch (command) {
                case "record": {
                    Args a = Args.parse(rest, union(HTTP_OPTIONS, "requests", "trace"), Set.of());
                    RecordBench.Options o = new RecordBench.Options(api(a), a.integer("clients", 32, 1, 1024),
                            a.integer("requests", 4000, 1, 10_000_000), size(a), a.integer("warmup", 200, 0, 1_000_000),
                            service(a), a.string("trace", null));
                    return RecordBench.run(o);
                }
                case "scaling": {
                    Args a = Args.parse(rest, union(HTTP_OPTIONS, "at", "sample", "repeat"), Set.of("no-check"));
                    List<Long> levels = a.numbers("at", "1000,100000", 0, 50_000_000);
                    for (int k = 1; k < levels.size(); k++) {
                        if (levels.get(k) <= levels.get(k - 1)) throw new Args.BadArgs("--at levels must ascend");
                    }
                    ScalingBench.Options o = new ScalingBench.Options(api(a), a.integer("clients", 8, 1, 1024),
                            levels, a.integer("sample", 2000, 1, 10_000_000), a.integer("repeat", 3, 1, 100), size(a),
                            a.integer("warmup", 2000, 0, 1_000_000), service(a), !a.flag("no-check"));
                    return ScalingBench.run(o);
                }
                case "verify": {
                    Args a = Args.parse(rest, Set.of("entries", "size", "runs", "distinct"), Set.of());
                    VerifyBench.Options o = new VerifyBench.Options(a.numbers("entries", "1000000", 1, 50_000_000),
                            size(a), a.integer("runs", 3, 1, 100), a.integer("distinct", 1024, 1, 1_000_000));
                    return VerifyBench.run(o);
                }
                case "replay": {
                    Args a = Args.parse(rest, union(HTTP_OPTIONS, "replays"), Set.of());
                    return ReplayBench.run(new ReplayBench.Options(api(a), a.integer("clients", 4, 1, 256),
                            a.integer("replays", 200, 1, 1_000_000), a.integer("warmup", 20, 0, 100_000), service(a)));
                }
                case "report": {
                    Args a = Args.parse(rest, Set.of("at", "repeat", "new", "clients", "size"), Set.of());
                    List<Long> levels = a.numbers("at", "1000,100000", 1, 50_000_000);
                    for (int k = 1; k < levels.size(); k++) {
                        if (levels.get(k) <= levels.get(k - 1)) throw new Args.BadArgs("--at levels must ascend");
                    }
                    return ReportBench.run(new ReportBench.Options(levels, a.integer("repeat", 20, 1, 10_000),
                            a.integer("new", 100, 0, 1_000_000), a.integer("clients", 16, 1, 256),
                            a.integer("size", 512, 200, 1_000_000)));
                }
                case "otlp": {
                    Args a = Args.parse(rest, union(HTTP_OPTIONS, "exports", "spans", "services"), Set.of("gzip", "json"));
                    return OtlpBench.run(new OtlpBench.Options(api(a), a.integer("clients", 4, 1, 256),
                            a.integer("exports", 200, 1, 1_000_000), a.integer("spans", 100, 1, 5_000),
                            a.integer("warmup", 10, 0, 100_000), service(a), a.integer("services", 1, 1, 1000),
                            a.flag("gzip"), a.flag("json")));
                }
                case "integrate": {
                    Args a = Args.parse(rest, Set.of("entries", "chains", "batch"), Set.of());
                    return LogBench.integrate(new LogBench.IntegrateOptions(a.integer("entries", 100_000, 1, 50_000_000),
                            a.integer("chains", 1, 1, 1000), a.integer("batch", 1000, 1, 10_000)));
                }
                case "receipts": {
                    Args a = Args.parse(rest, union(HTTP_OPTIONS, "rate", "seconds", "warmup"), Set.of());
                    return LogBench.receipts(new LogBench.ReceiptOptions(api(a), a.integer("rate", 300, 1, 5000),
                            a.integer("seconds", 20, 1, 3600), a.integer("warmup", 5, 0, 600), service(a), size(a)));
                }
                case "crash": {
                    Args a = Args.parse(rest, Set.of("rounds", "writers", "min-ms", "max-ms", "size", "data-dir"), Set.of());
                    int min = a.integer("min-ms", 1000, 0, 600_000);
                    int max = a.integer("max-ms", 4000, 0, 600_000);
                    if (max < min) throw new Args.BadArgs("--max-ms must be at least --min-ms");
                    String dir = a.string("data-dir", null);
                    java.nio.file.Path dataDir;
                    try {
                        dataDir = dir != null ? java.nio.file.Path.of(dir)
                                : java.nio.file.Files.createTempDirectory("loopgrid-crash").resolve("data");
                    } catch (java.io.IOException e) {
                        throw new Args.BadArgs("cannot create a temporary data directory: " + e.getMessage());
                    }
                    return CrashBench.run(new CrashBench.Options(dataDir, a.integer("rounds", 20, 1, 10_000),
                            a.integer("writers", 16, 1, 256), min, max, size(a), List.of()));
                }
                case "erase": {
                    Args a = Args.parse(rest, Set.of("decisions", "clients", "size"), Set.of());
                    EraseBench.Options eo = new EraseBench.Options(a.integer("decisions", 10_000, 1, 1_000_000),
                            a.integer("clients", 16, 1, 256), a.integer("size", 1024, 300, 100_000));
                    return reported("erase", () -> EraseBench.run(eo));
                }
                case "lambda": {
                    Args a = Args.parse(rest, Set.of("instances", "seconds", "chains", "size", "warmup", "batch", "mode", "stage-partitions"), Set.of());
                    String mode = a.string("mode", "staged");
                    if (!LambdaBench.MODES.contains(mode)) {
                        throw new Args.BadArgs("--mode must be one of " + String.join(", ", LambdaBench.MODES) + ", not \"" + mode + "\"");
                    }
                    LambdaBench.Options o = new LambdaBench.Options(a.integer("instances", 64, 1, 1024),
                            a.integer("seconds", 20, 1, 3600), a.integer("chains", 1, 1, 1000),
                            a.integer("size", 1024, 200, 300_000), a.integer("warmup", 3, 0, 600),
                            a.integer("batch", 1, 1, 100), mode,
                            a.integer("stage-partitions", dev.loopgrid.aws.store.LedgerKeys.DEFAULT_STAGE_PARTITIONS, 1,
                                    dev.loopgrid.aws.store.LedgerKeys.MAX_STAGE_PARTITIONS));
                    return reported("lambda", () -> LambdaBench.run(o));
                }
                case "store": {
                    Args a = Args.parse(rest, Set.of("items", "threads", "seconds", "warmup", "size", "op"), Set.of());
                    String op = a.string("op", "tx");
                    if (!StoreBench.OPS.contains(op)) {
                        throw new Args.BadArgs("--op must be one of " + String.join(", ", StoreBench.OPS) + ", not \"" + op + "\"");
                    }
                    StoreBench.Options so = new StoreBench.Options(a.integer("items", 100, 1, 100),
                            a.integer("threads", 2, 1, 256), a.integer("seconds", 15, 1, 3600),
                            a.integer("warmup", 5, 0, 600), a.integer("size", 1024, 0, 300_000), op);
                    return reported("store", () -> StoreBench.run(so));
                }
                default:
                    return bad(System.err, "unknown subcommand \"" + command + "\"");
            }
        } catch (Args.BadArgs e) {
            return bad(System.err, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("interrupted");
            return 1;
        }
    }

    /** Runs a bench whose failure is reported (1, the reason on stderr) rather than thrown; an interrupt goes on. */
    private static int reported(String name, java.util.concurrent.Callable<Integer> bench) throws InterruptedException {
        try {
            return bench.call();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            System.err.println(name + " bench failed: " + e);
            return 1;
        }
    }

    /** True when the server answers /health; otherwise says so. */
    static boolean reachable(Api api) {
        Api.Reply r = api.get("/health");
        if (r.status() == 200) return true;
        System.out.println("error: " + api.base() + "/health answered " + r.errorKey() + " — is the server running?");
        return false;
    }

    private static int bad(PrintStream err, String message) {
        err.println("error: " + message);
        err.println();
        err.println(USAGE);
        return 2;
    }

    private static Api api(Args a) throws Args.BadArgs {
        String url = a.string("url", "http://127.0.0.1:8000");
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new Args.BadArgs("--url is not a URL: " + url);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new Args.BadArgs("--url must be http://host:port or https://…, got " + url);
        }
        return new Api(uri, Duration.ofSeconds(a.integer("timeout", 30, 1, 600)), a.string("api-key", null));
    }

    private static int size(Args a) throws Args.BadArgs {
        return a.integer("size", 1024, 1, 8 * 1024 * 1024);
    }

    private static String service(Args a) throws Args.BadArgs {
        String s = a.string("service", "bench-" + Long.toHexString(new SplittableRandom().nextLong() >>> 16));
        if (s.isEmpty() || s.length() > 90) throw new Args.BadArgs("--service must be 1..90 characters");
        return s;
    }

    private static Set<String> union(Set<String> base, String... more) {
        java.util.HashSet<String> s = new java.util.HashSet<>(base);
        s.addAll(Arrays.asList(more));
        return s;
    }
}
