package dev.loopgrid.core.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainStore;
import dev.loopgrid.core.ledger.Times;
import java.time.Clock;
import java.util.List;

/**
 * {@code GET /v1/stats}: verdicts, accuracy, review coverage, time to verdict, and per model latency (p50/p95 from a
 * bounded sketch), tokens and cost. Everything comes from the chain heads' counters: the cost is one read per chain,
 * whatever the number of decisions.
 */
public final class StatsService {
    private final ChainStore chains;
    private final PriceTable prices;
    private final Clock clock;

    public StatsService(ChainStore chains, PriceTable prices, Clock clock) {
        this.chains = chains;
        this.prices = prices;
        this.clock = clock;
    }

    /** The statistics over {@code serviceName}'s chain, or every chain of the tenant when it is null. */
    public ObjectNode stats(String tenant, String serviceName) {
        List<ChainHead> heads = serviceName == null ? chains.listChains(tenant)
                : chains.readHead(new ChainKey(tenant, serviceName)).map(List::of).orElse(List.of());
        LedgerStats s = LedgerStats.from(heads, null);
        LedgerStats.Counts t = s.totals();
        ObjectNode o = Json.object();
        o.put("service_filter", serviceName);
        o.put("generated_at", Times.format(clock.millis()));
        o.put("entries", s.entries());
        o.put("decisions", t.decisions());
        o.put("reviewed", t.reviewed());
        o.put("confirmed", t.confirmed());
        o.put("incorrect", t.incorrect());
        o.put("corrected", t.corrected());
        o.put("accuracy_percent", t.accuracy());
        o.put("review_coverage_percent", t.reviewCoverage());
        o.set("time_to_verdict", UsageJson.timeToVerdict(s));
        o.set("models", UsageJson.perModel(s, prices));
        o.put("currency", prices.currency());
        o.put("prices_configured", !prices.models().isEmpty());
        return o;
    }
}
