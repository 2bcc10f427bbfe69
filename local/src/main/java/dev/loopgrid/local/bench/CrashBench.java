package dev.loopgrid.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench crash}: the local stack's durability under {@code kill -9}. Each round starts the real local stack
 * ({@code Main serve --data-dir DIR}) as a child JVM — or keeps the one the previous round restarted —, lets WRITERS
 * threads record decisions into one fresh service for a while, kills the child with SIGKILL
 * ({@link Process#destroyForcibly()} on Linux), starts it again on the same data directory and reads back every
 * decision that was answered 201: it must be there, identical (sequence, chain_hash, output), and the service's chain
 * must verify. A decision that is missing or changed counts as lost.
 */
public final class CrashBench {

    /**
     * @param dataDir  the data directory the child JVMs share (created; reused across rounds)
     * @param minWriteMillis, maxWriteMillis how long writers run before the kill (uniform in between)
     */
    public record Options(Path dataDir, int rounds, int writers, long minWriteMillis, long maxWriteMillis, int size,
                          List<String> childJvmArgs) {}

    /** One round: acknowledged decisions, how many of them were lost, and whether the chain verified after restart. */
    public record Round(int round, String service, int acknowledged, int lost, int changed, boolean verified,
                        String verifyMessage, long writeMillis, long restartMillis) {
        public boolean good() {
            return lost == 0 && changed == 0 && verified;
        }
    }

    /** Every round, and the totals. */
    public record Result(List<Round> rounds) {
        public int lost() { return rounds.stream().mapToInt(Round::lost).sum(); }

        public int changed() { return rounds.stream().mapToInt(Round::changed).sum(); }

        public int acknowledged() { return rounds.stream().mapToInt(Round::acknowledged).sum(); }

        public boolean good() { return rounds.stream().allMatch(Round::good); }
    }

    private CrashBench() {}

    static int run(Options o) throws InterruptedException {
        System.out.printf("crash: data-dir=%s rounds=%d writers=%d write=%d..%d ms size=%d%n", o.dataDir(), o.rounds(),
                o.writers(), o.minWriteMillis(), o.maxWriteMillis(), o.size());
        Result r;
        try {
            r = rounds(o, round -> System.out.printf("round %d: service=%s acknowledged=%d lost=%d changed=%d verify=%s "
                            + "(wrote %d ms; restart %d ms)%s%n", round.round(), round.service(), round.acknowledged(),
                    round.lost(), round.changed(), round.verified() ? "valid" : "INVALID " + round.verifyMessage(),
                    round.writeMillis(), round.restartMillis(), round.good() ? "" : "  <-- LOST"));
        } catch (IOException e) {
            System.out.println("crash: " + e.getMessage());
            return 1;
        }
        long badRounds = r.rounds().stream().filter(x -> !x.good()).count();
        System.out.printf("crash: rounds=%d acknowledged=%d lost=%d changed=%d bad_rounds=%d%n", r.rounds().size(),
                r.acknowledged(), r.lost(), r.changed(), badRounds);
        return r.good() ? 0 : 1;
    }

    /** Runs the rounds, telling {@code each} after every one. The child JVM left running at the end is stopped. */
    public static Result rounds(Options o, java.util.function.Consumer<Round> each) throws IOException, InterruptedException {
        Files.createDirectories(o.dataDir());
        List<Round> out = new ArrayList<>();
        SplittableRandom random = new SplittableRandom();
        Child child = Child.start(o.dataDir(), o.childJvmArgs());
        try {
            for (int round = 1; round <= o.rounds(); round++) {
                String service = "crash-" + round + "-" + Long.toHexString(random.nextLong() >>> 24);
                long writeMillis = o.minWriteMillis()
                        + (o.maxWriteMillis() > o.minWriteMillis() ? random.nextLong(o.maxWriteMillis() - o.minWriteMillis()) : 0);
                Map<String, JsonNode> acked = write(child.api(), service, o.writers(), o.size(), writeMillis, child);
                long t0 = System.nanoTime();
                child = Child.start(o.dataDir(), o.childJvmArgs());
                long restartMillis = (System.nanoTime() - t0) / 1_000_000;
                Round result = check(child.api(), round, service, acked, writeMillis, restartMillis);
                out.add(result);
                each.accept(result);
            }
        } finally {
            child.kill();
        }
        return new Result(out);
    }

    /**
     * WRITERS threads record decisions until {@code millis} have passed, then the child is killed while they still
     * write. Returns the 201 bodies by decision id.
     */
    private static Map<String, JsonNode> write(Api api, String service, int writers, int size, long millis, Child child)
            throws InterruptedException {
        Map<String, JsonNode> acked = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        Payloads payloads = new Payloads(service, size);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            long seed = w * 7919L + System.nanoTime();
            int writer = w;
            Thread t = new Thread(() -> {
                SplittableRandom r = new SplittableRandom(seed);
                long i = writer * 1_000_000L;
                while (!stop.get()) {
                    Api.Reply reply = api.postDecision(payloads.decision(i++, r));
                    if (reply.status() == 201) {
                        JsonNode body = Json.parseStored(reply.body());
                        acked.put(body.path("decision_id").asText(), body);
                    } else if (reply.status() == 0) {
                        return; // the server is gone
                    }
                }
            }, "crash-writer-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        Thread.sleep(millis);
        child.kill(); // SIGKILL while the writers are mid-flight
        stop.set(true);
        for (Thread t : threads) t.join(30_000);
        return acked;
    }

    private static Round check(Api api, int round, String service, Map<String, JsonNode> acked, long writeMillis,
                               long restartMillis) {
        int lost = 0;
        int changed = 0;
        for (Map.Entry<String, JsonNode> e : acked.entrySet()) {
            Api.Reply r = api.get("/v1/decisions/" + Api.enc(e.getKey()));
            if (r.status() == 404) {
                lost++;
                continue;
            }
            if (r.status() != 200) {
                lost++; // unreadable counts as lost: the bench cannot tell it is there
                continue;
            }
            JsonNode now = Json.parseStored(r.body());
            JsonNode then = e.getValue();
            if (now.path("sequence").asLong(-1) != then.path("sequence").asLong(-2)
                    || !now.path("chain_hash").asText("?").equals(then.path("chain_hash").asText("!"))
                    || !now.path("output").equals(then.path("output"))) {
                changed++;
            }
        }
        ChainCheck.Verify v = ChainCheck.verify(api, service);
        return new Round(round, service, acked.size(), lost, changed, v.status() == 200 && v.verified(),
                v.status() + " " + v.message(), writeMillis, restartMillis);
    }

    /** The local stack ({@code Main serve --data-dir DIR --port 0}) in a child JVM, its output in DIR.child.log. */
    public static final class Child {
        private static final Pattern API = Pattern.compile("API:\\s+(http://\\S+)");
        private final Process process;
        private final Api api;

        private final URI url;

        private Child(Process process, URI url) {
            this.process = process;
            this.url = url;
            this.api = new Api(url, Duration.ofSeconds(30), null);
        }

        static Child start(Path dataDir, List<String> jvmArgs) throws IOException, InterruptedException {
            return start(dataDir, jvmArgs, Map.of());
        }

        /**
         * Starts the stack and returns once it serves.
         *
         * @param env variables added to the child's environment (provider keys are removed unless given here)
         */
        public static Child start(Path dataDir, List<String> jvmArgs, Map<String, String> env)
                throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvmArgs);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add("dev.loopgrid.local.Main");
            cmd.addAll(List.of("serve", "--data-dir", dataDir.toString(), "--port", "0"));
            Path log = dataDir.resolveSibling(dataDir.getFileName() + ".child.log");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
            // no live provider calls from the child
            pb.environment().remove("OPENAI_API_KEY");
            pb.environment().remove("ANTHROPIC_API_KEY");
            pb.environment().putAll(env);
            Process p = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline) {
                String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
                Matcher m = API.matcher(text);
                if (m.find()) return new Child(p, URI.create(m.group(1)));
                if (!p.isAlive()) throw new IOException("the local stack exited with " + p.exitValue() + ":\n" + text);
                Thread.sleep(50);
            }
            p.destroyForcibly();
            throw new IOException("the local stack did not start within 90 s; see " + log);
        }

        Api api() {
            return api;
        }

        /** The API's base URL. */
        public URI url() {
            return url;
        }

        /** SIGKILL (on Linux {@link Process#destroyForcibly()} sends SIGKILL), and waits until it is gone. */
        public void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
