package dev.loopgrid.local.bench;

import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code bench record}: many clients append to one chain at once; throughput, latency percentiles and
 * errors, then the chain is read back and checked to be linear, and the server verifies it.
 */
final class RecordBench {

    /** @param trace a CSV file for per-request start, latency and status, or null */
    record Options(Api api, int clients, int requests, int size, int warmup, String service, String trace) {}

    private RecordBench() {}

    static int run(Options o) throws InterruptedException {
        System.out.printf("record: url=%s service=%s clients=%d requests=%d size=%d warmup=%d%n", o.api().base(),
                o.service(), o.clients(), o.requests(), o.size(), o.warmup());
        if (!Bench.reachable(o.api())) return 1;

        if (o.warmup() > 0) {
            // a separate service, so the measured chain holds only the measured decisions
            Payloads warm = new Payloads(o.service() + "-warmup", o.size());
            String[] bodies = warm.pregenerate(0, o.warmup(), 7);
            Load.Result w = Load.run(o.api(), o.clients(), o.warmup(), i -> bodies[i], false, "warmup");
            System.out.printf("warmup: %d requests to %s-warmup, %.1f/s, errors=%s%n", o.warmup(), o.service(),
                    w.throughput(), w.errorText());
        }

        Payloads payloads = new Payloads(o.service(), o.size());
        String[] bodies = payloads.pregenerate(0, o.requests(), new SplittableRandom().nextLong());
        System.out.printf("body size: %d bytes (first request)%n", bodies.length == 0 ? 0 : bodies[0].length());
        Load.Result r = Load.run(o.api(), o.clients(), o.requests(), i -> bodies[i], true, "record");
        System.out.printf("throughput: %.1f decisions/s (%d ok of %d in %.2f s), client CPU %.0f%% of the machine%n",
                r.throughput(), r.ok(), r.requests(), r.wallNanos() / 1e9, r.clientCpu() * 100);
        System.out.println("latency (201s): " + r.latencies().summary());
        System.out.println("errors by status: " + r.errorText());
        if (o.trace() != null) {
            try {
                r.trace().write(java.nio.file.Path.of(o.trace()));
                System.out.println("trace: " + o.trace());
            } catch (java.io.IOException e) {
                System.out.println("trace: could not write " + o.trace() + ": " + e);
            }
        }

        List<String> ids = ChainCheck.ids(r.bodies());
        ChainCheck.Report chain = ChainCheck.read(o.api(), o.service(), ids);
        System.out.println(chain.describe());
        ChainCheck.Verify v = ChainCheck.verify(o.api(), o.service());
        System.out.println(v.describe());

        boolean good = chain.linear() && v.status() == 200 && v.verified();
        System.out.printf("record: clients=%d n=%d throughput=%.1f/s p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms "
                        + "errors=%d forks=%d gaps=%d dups=%d rehash_bad=%d missing=%d verify=%s (%d/%d)%n",
                o.clients(), o.requests(), r.throughput(), r.latencies().ms(50), r.latencies().ms(90),
                r.latencies().ms(99), r.latencies().maxMs(), r.errorCount(), chain.forkCount(), chain.gaps(),
                chain.sequenceDups() + chain.pagingDups(), chain.rehashBad(), chain.missing(), v.summary(),
                v.total(), chain.listed());
        return good ? 0 : 1;
    }
}
