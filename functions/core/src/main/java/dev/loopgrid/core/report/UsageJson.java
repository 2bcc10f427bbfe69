package dev.loopgrid.core.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import java.util.Map;

/**
 * The per-model usage, latency and cost figures, as {@code GET /v1/stats} and the report's {@code usage} member show
 * them: all from chain counters (a latency sketch per model, token sums), none from a scan.
 */
public final class UsageJson {
    private UsageJson() {}

    /** One object per model with decisions: verdict counts, accuracy, latency p50/p95, tokens and cost. */
    public static ArrayNode perModel(LedgerStats s, PriceTable prices) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        java.util.SortedSet<String> models = new java.util.TreeSet<>(s.byModel().keySet());
        models.addAll(s.usage().keySet());
        for (String model : models) {
            LedgerStats.Counts c = s.byModel().getOrDefault(model, LedgerStats.Counts.ZERO);
            LedgerStats.ModelUsage u = s.usage().getOrDefault(model, LedgerStats.ModelUsage.ZERO);
            ObjectNode o = a.addObject();
            o.put("model", model);
            o.put("decisions", c.decisions());
            o.put("reviewed", c.reviewed());
            o.put("accuracy_percent", c.accuracy());
            o.put("review_coverage_percent", c.reviewCoverage());
            ObjectNode l = o.putObject("latency_ms");
            l.put("decisions", u.latencyDecisions());
            l.put("p50", u.latencyQuantile(0.50));
            l.put("p95", u.latencyQuantile(0.95));
            ObjectNode t = o.putObject("tokens");
            t.put("decisions", u.usageDecisions());
            t.put("input", u.tokensIn());
            t.put("output", u.tokensOut());
            t.put("total_only", u.tokensTotal());
            ObjectNode cost = o.putObject("cost");
            Double amount = prices.cost(model, u);
            cost.put("currency", prices.currency());
            cost.put("amount", amount);
            cost.put("status", amount != null ? "known" : "unknown");
            cost.put("basis", amount != null ? "input and output tokens of the decisions that reported usage, at the configured price"
                    : prices.models().containsKey(model) ? "some decisions reported only a total token count"
                    : "no price configured for this model (LOOPGRID_PRICES)");
        }
        return a;
    }

    /** The time from a decision to its first human verdict: decisions counted, median and p90 in seconds. */
    public static ObjectNode timeToVerdict(LedgerStats s) {
        ObjectNode o = Json.object();
        long n = 0;
        for (Map.Entry<Integer, Long> e : s.verdictSeconds().entrySet()) n += e.getValue();
        o.put("decisions", n);
        o.put("median_seconds", s.verdictSecondsQuantile(0.5));
        o.put("p90_seconds", s.verdictSecondsQuantile(0.9));
        return o;
    }
}
