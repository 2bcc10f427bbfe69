package dev.loopgrid.local.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code bench scaling}: does the append rate depend on chain length? Fills one chain to each level as
 * fast as the clients can, then measures the rate over a fixed sample of appends at that level.
 */
final class ScalingBench {

    /** @param repeat samples taken at each level; the level's rate is their median */
    record Options(Api api, int clients, List<Long> levels, int sample, int repeat, int size, int warmup,
                   String service, boolean check) {}

    /** Target: the rate at the longest chain is at least this fraction of the rate at the shortest. */
    static final double TARGET_RATIO = 0.9;

    private ScalingBench() {}

    private static double median(double[] xs) {
        double[] s = xs.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static int run(Options o) throws InterruptedException {
        System.out.printf("scaling: url=%s service=%s clients=%d levels=%s sample=%d repeat=%d size=%d warmup=%d%n",
                o.api().base(), o.service(), o.clients(), o.levels(), o.sample(), o.repeat(), o.size(), o.warmup());
        if (!Bench.reachable(o.api())) return 1;
        if (o.warmup() > 0) {
            Payloads warm = new Payloads(o.service() + "-warmup", o.size());
            String[] bodies = warm.pregenerate(0, o.warmup(), 7);
            Load.Result w = Load.run(o.api(), o.clients(), o.warmup(), i -> bodies[i], false, "warmup");
            System.out.printf("warmup: %d requests to %s-warmup, %.1f/s, errors=%s%n", o.warmup(), o.service(),
                    w.throughput(), w.errorText());
        }

        Payloads payloads = new Payloads(o.service(), o.size());
        long recorded = 0;   // 201s so far on the measured chain
        long index = 0;      // request index, for distinct bodies
        List<Double> rates = new ArrayList<>();
        int errors = 0;
        for (long level : o.levels()) {
            long fill = level - recorded;
            if (fill > 0) {
                long first = index;
                ThreadLocal<SplittableRandom> rnd = ThreadLocal.withInitial(SplittableRandom::new);
                Load.Result p = Load.run(o.api(), o.clients(), (int) fill,
                        i -> payloads.decision(first + i, rnd.get()), false, "prefill to " + level);
                index += fill;
                recorded += p.ok();
                errors += p.errorCount();
                System.out.printf("prefill to %d: %d appends in %.1f s (%.1f/s), errors=%s%n", level, p.ok(),
                        p.wallNanos() / 1e9, p.throughput(), p.errorText());
            }
            double[] sampleRates = new double[o.repeat()];
            for (int k = 0; k < o.repeat(); k++) {
                String[] bodies = payloads.pregenerate(index, o.sample(), new SplittableRandom().nextLong());
                index += o.sample();
                long at = recorded;
                Load.Result s = Load.run(o.api(), o.clients(), o.sample(), i -> bodies[i], false,
                        "sample at " + level);
                recorded += s.ok();
                errors += s.errorCount();
                sampleRates[k] = s.throughput();
                System.out.printf("  sample %d at %d entries: %.1f/s %s errors=%s%n", k + 1, at,
                        s.throughput(), s.latencies().summary(), s.errorText());
            }
            double rate = median(sampleRates);
            rates.add(rate);
            ChainCheck.Verify v = ChainCheck.verify(o.api(), o.service());
            System.out.printf("at %d entries: rate=%.1f/s (median of %d samples of %d) errors so far=%d "
                            + "(server verify of %d entries: %s in %.2f s)%n",
                    level, rate, o.repeat(), o.sample(), errors, v.total(), v.summary(), v.seconds());
        }
        double ratio = rates.get(rates.size() - 1) / rates.get(0);
        boolean met = ratio >= TARGET_RATIO;
        boolean good = met;
        String chainText = "not checked";
        if (o.check()) {
            ChainCheck.Report chain = ChainCheck.read(o.api(), o.service(), List.of());
            System.out.println(chain.describe());
            ChainCheck.Verify v = ChainCheck.verify(o.api(), o.service());
            System.out.println(v.describe());
            good &= chain.linear() && v.verified() && chain.listed() == recorded;
            chainText = String.format("forks=%d gaps=%d dups=%d listed=%d/%d verify=%s", chain.forkCount(),
                    chain.gaps(), chain.sequenceDups() + chain.pagingDups(), chain.listed(), recorded, v.summary());
        }
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < rates.size(); k++) {
            sb.append(String.format("rate@%d=%.1f/s ", o.levels().get(k), rates.get(k)));
        }
        System.out.printf("scaling: clients=%d sample=%dx%d %sratio=%.2f (target >= %.1f: %s) errors=%d %s%n",
                o.clients(), o.repeat(), o.sample(), sb, ratio, TARGET_RATIO, met ? "met" : "MISSED", errors, chainText);
        return good ? 0 : 1;
    }
}
