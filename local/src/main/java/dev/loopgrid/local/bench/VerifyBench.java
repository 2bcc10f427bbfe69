package dev.loopgrid.local.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainVerifier;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.Verification;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * {@code bench verify}: CPU cost and memory of {@link ChainVerifier} in process, no server.
 *
 * <p>The chain is never held in memory. {@code distinct} canonical decision contents of about {@code size}
 * bytes are built once (with {@link Canonical#canonicalize}) with their content hashes; a generating iterator
 * then produces entry i lazily: content {@code i mod distinct}, a fresh id and time, linked to entry i − 1
 * with {@link Entry#link} (one envelope hash). The verifier re-hashes every entry's content and envelope
 * itself (it caches nothing), so repeating contents do not make its work lighter.
 *
 * <p>CPU is the verifying thread's CPU time. The generator runs on the same thread, so each run also
 * drains the generator alone and the bench reports verify cost net of generation (and the gross figure).
 * Memory: the largest heap in use right after any GC during the verify pass (the live set), and heap in use
 * after a full GC before and after, so runs at different chain lengths can be compared.
 */
final class VerifyBench {

    record Options(List<Long> entries, int size, int runs, int distinct) {}

    static final double TARGET_MICROS = 3.0;
    private static final String CHAIN = "bench-verify";
    private static final long DAY_MILLIS = 86_400_000L;

    private VerifyBench() {}

    static int run(Options o) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isCurrentThreadCpuTimeSupported()) {
            System.out.println("verify: thread CPU time is not supported by this JVM");
            return 1;
        }
        threads.setThreadCpuTimeEnabled(true);
        System.out.printf("verify: entries=%s size=%d runs=%d distinct_contents=%d max_heap=%dMB cpu=%s%n",
                o.entries(), o.size(), o.runs(), o.distinct(), Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors());
        Contents contents = new Contents(o.size(), o.distinct());
        System.out.printf("content: %d distinct canonical texts of %d bytes each (first: %s…)%n", o.distinct(),
                contents.text[0].length(), contents.text[0].substring(0, 60));
        GcWatch gc = new GcWatch();

        // JIT warm-up on a short chain, not counted
        Chain warm = new Chain(contents, Math.min(200_000, o.entries().get(0)));
        for (int k = 0; k < 2; k++) {
            drain(warm.iterator());
            ChainVerifier.verify(CHAIN, warm.iterator(), warm.head());
        }

        boolean allGood = true;
        List<String> summaries = new ArrayList<>();
        for (long n : o.entries()) {
            Chain chain = new Chain(contents, n);
            ChainHead head = chain.head();
            double[] net = new double[o.runs()];
            double[] gross = new double[o.runs()];
            long liveMax = 0;
            long heapBefore = 0;
            long heapAfter = 0;
            boolean valid = true;
            for (int run = 0; run < o.runs(); run++) {
                long c0 = threads.getCurrentThreadCpuTime();
                drain(chain.iterator());
                long gen = threads.getCurrentThreadCpuTime() - c0;

                heapBefore = usedAfterFullGc();
                settle();
                gc.reset();
                long w0 = System.nanoTime();
                long c1 = threads.getCurrentThreadCpuTime();
                Verification v = ChainVerifier.verify(CHAIN, chain.iterator(), head);
                long ver = threads.getCurrentThreadCpuTime() - c1;
                long wall = System.nanoTime() - w0;
                settle(); // GC notifications arrive asynchronously
                long runLive = gc.maxUsedAfterGc();
                int gcs = gc.count();
                heapAfter = usedAfterFullGc();
                liveMax = Math.max(liveMax, runLive);
                valid &= v.valid() && v.entries() == n;

                gross[run] = ver / 1e3 / n;
                net[run] = (ver - gen) / 1e3 / n;
                System.out.printf("  n=%d run %d: verify %.2f µs/entry CPU net (gross %.2f, generator %.2f), "
                                + "wall %.2f s, %s; heap after GC: before %.1f MB, live max during %s (%d GCs), "
                                + "after %.1f MB%n",
                        n, run + 1, net[run], gross[run], gen / 1e3 / n, wall / 1e9,
                        v.valid() ? "valid " + v.entries() + " entries" : "INVALID: " + v.failure().message(),
                        mb(heapBefore), gcs == 0 ? "n/a" : String.format("%.1f MB", mb(runLive)), gcs,
                        mb(heapAfter));
            }
            double med = median(net);
            boolean met = med <= TARGET_MICROS;
            allGood &= valid && met;
            String s = String.format("verify: entries=%d size=%d cpu=%.2fus/entry (median of %d, net of generator; "
                            + "gross %.2f) heap_before=%.1fMB heap_live_max=%.1fMB heap_after=%.1fMB valid=%s "
                            + "target<=%.0fus: %s",
                    n, contents.text[0].length(), med, o.runs(), median(gross), mb(heapBefore), mb(liveMax),
                    mb(heapAfter), valid, TARGET_MICROS, met ? "met" : "MISSED");
            System.out.println(s);
            summaries.add(s);
        }
        gc.close();
        breakdown(threads, contents, warm); // after the runs, so the JIT has compiled what it measures
        if (summaries.size() > 1) summaries.forEach(System.out::println);
        return allGood ? 0 : 1;
    }

    private static long sink;

    /** Where an entry's verification time goes: CPU per operation over the warm-up chain's first entries. */
    private static void breakdown(ThreadMXBean threads, Contents contents, Chain chain) {
        int m = 50_000;
        List<Entry> entries = new ArrayList<>(m);
        for (Iterator<Entry> it = chain.iterator(); it.hasNext() && entries.size() < m; ) entries.add(it.next());
        byte[][] bytes = new byte[contents.text.length][];
        for (int k = 0; k < bytes.length; k++) bytes[k] = contents.text[k].getBytes(StandardCharsets.UTF_8);
        double sha = 0;
        double content = 0;
        double envelope = 0;
        for (int round = 0; round < 5; round++) { // the last round counts; earlier ones warm up
            long h = 0;
            long c0 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < entries.size(); i++) h += Canonical.sha256Hex(bytes[i % bytes.length]).hashCode();
            long c1 = threads.getCurrentThreadCpuTime();
            for (Entry e : entries) h += EntryHasher.contentHash(e.content()).hashCode();
            long c2 = threads.getCurrentThreadCpuTime();
            for (Entry e : entries) h += EntryHasher.chainHash(e).hashCode();
            long c3 = threads.getCurrentThreadCpuTime();
            sink += h;
            sha = (c1 - c0) / 1e3 / entries.size();
            content = (c2 - c1) / 1e3 / entries.size();
            envelope = (c3 - c2) / 1e3 / entries.size();
        }
        System.out.printf("breakdown (CPU µs per call): sha256 of %d content bytes %.2f; contentHash(text) %.2f "
                        + "(UTF-8 encode + hash + hex); chainHash(entry) %.2f (envelope %d chars + hash + hex)%n",
                bytes[0].length, sha, content, envelope,
                EntryHasher.envelope(CHAIN, 1, "decision", entries.get(0).id(), entries.get(0).id(),
                        entries.get(0).recordedAt(), entries.get(0).contentHash(), EntryHasher.GENESIS).length());
    }

    /** Runs the generator alone; the sink keeps the JIT from discarding the work. */
    private static void drain(Iterator<Entry> it) {
        long h = 0;
        while (it.hasNext()) h += it.next().chainHash().hashCode();
        sink += h;
    }

    private static void settle() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double mb(long bytes) {
        return bytes / 1048576.0;
    }

    private static long usedAfterFullGc() {
        for (int k = 0; k < 2; k++) System.gc();
        long used = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) used += p.getUsage().getUsed();
        }
        return used;
    }

    /** Canonical decision contents, built once, and their content hashes. */
    static final class Contents {
        final String[] text;
        final String[] hash;

        Contents(int size, int distinct) {
            text = new String[distinct];
            hash = new String[distinct];
            SplittableRandom r = new SplittableRandom(42);
            int overhead = Canonical.canonicalize(content(0, "", "")).length();
            int fill = Math.max(2, size - overhead);
            for (int k = 0; k < distinct; k++) {
                text[k] = Canonical.canonicalize(content(k, Payloads.text(fill / 2, r), Payloads.text(fill - fill / 2, r)));
                hash[k] = EntryHasher.contentHash(text[k]);
            }
        }

        /** The hashed content of a decision: all eight members, absent optional ones as null. */
        private static ObjectNode content(int k, String message, String response) {
            ObjectNode o = Json.object();
            o.put("service_name", CHAIN);
            o.put("decision_type", "bench_decision");
            ObjectNode input = o.putObject("input");
            input.put("message", message);
            input.put("request", k);
            ObjectNode model = o.putObject("model");
            model.put("provider", "bench");
            model.put("name", "bench-model-1");
            o.putObject("output").put("response", response);
            o.putNull("prompt");
            o.putNull("tool_calls");
            ObjectNode metadata = o.putObject("metadata");
            metadata.put("bench", true);
            metadata.put("tokens", 150);
            return o;
        }
    }

    /** A chain of {@code n} decision entries, regenerated on every iteration; holds nothing per entry. */
    static final class Chain {
        private final Contents contents;
        private final long n;
        private ChainHead head;

        Chain(Contents contents, long n) {
            if (n > 50_000_000L) throw new IllegalArgumentException("at most 50,000,000 entries");
            this.contents = contents;
            this.n = n;
        }

        /** The head item a store would hold: computed by one pass over the generator. */
        ChainHead head() {
            if (head == null) {
                Entry last = null;
                for (Iterator<Entry> it = iterator(); it.hasNext(); ) last = it.next();
                head = last == null ? null : new ChainHead(CHAIN, last.sequence(), last.chainHash(), Map.of(),
                        time(1), last.recordedAt());
            }
            return head;
        }

        Iterator<Entry> iterator() {
            return new Iterator<>() {
                private long seq;
                private String previous = EntryHasher.GENESIS;

                @Override
                public boolean hasNext() {
                    return seq < n;
                }

                @Override
                public Entry next() {
                    if (seq >= n) throw new NoSuchElementException();
                    seq++;
                    int k = (int) ((seq - 1) % contents.text.length);
                    String id = id(seq);
                    Entry e = Entry.link(CHAIN, seq, EntryType.DECISION, id, id, time(seq), contents.text[k],
                            contents.hash[k], previous);
                    previous = e.chainHash();
                    return e;
                }
            };
        }

        /** "dec_" + 32 hex digits, distinct per sequence (a mix of the sequence, not secret randomness). */
        static String id(long seq) {
            return "dec_" + hex16(mix(seq)) + hex16(mix(~seq));
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }

        private static String hex16(long v) {
            String h = Long.toHexString(v);
            return h.length() == 16 ? h : "0".repeat(16 - h.length()) + h;
        }

        /** 2026-11-23T00:00:00.000Z plus {@code seq} ms, in the API's format, without a formatter. */
        static String time(long seq) {
            long ms = seq % DAY_MILLIS;
            StringBuilder sb = new StringBuilder(24).append("2026-11-23T");
            pad(sb, ms / 3_600_000, 2).append(':');
            pad(sb, ms / 60_000 % 60, 2).append(':');
            pad(sb, ms / 1000 % 60, 2).append('.');
            pad(sb, ms % 1000, 3).append('Z');
            return sb.toString();
        }

        private static StringBuilder pad(StringBuilder sb, long v, int width) {
            String s = Long.toString(v);
            for (int k = s.length(); k < width; k++) sb.append('0');
            return sb.append(s);
        }
    }

    /** Heap in use right after each GC (the live set plus what survived), from the GC notifications. */
    static final class GcWatch implements AutoCloseable {
        private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
                .collect(Collectors.toSet());
        private final AtomicLong max = new AtomicLong();
        private final AtomicInteger count = new AtomicInteger();
        private final List<NotificationEmitter> emitters = new ArrayList<>();
        private final NotificationListener listener = (notification, handback) -> {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                return;
            }
            GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            long used = 0;
            for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                if (heapPools.contains(e.getKey())) used += e.getValue().getUsed();
            }
            final long u = used;
            max.accumulateAndGet(u, Math::max);
            count.incrementAndGet();
        };

        GcWatch() {
            for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter em) {
                    em.addNotificationListener(listener, null, null);
                    emitters.add(em);
                }
            }
        }

        void reset() {
            max.set(0);
            count.set(0);
        }

        long maxUsedAfterGc() { return max.get(); }

        int count() { return count.get(); }

        @Override
        public void close() {
            for (NotificationEmitter em : emitters) {
                try {
                    em.removeNotificationListener(listener);
                } catch (javax.management.ListenerNotFoundException ignored) {
                    // already gone
                }
            }
        }
    }
}
