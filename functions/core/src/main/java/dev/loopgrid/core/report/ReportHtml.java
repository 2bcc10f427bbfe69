package dev.loopgrid.core.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.ledger.Verification;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The printable HTML form of a report: one self-contained page (inline CSS with print rules, inline SVG
 * charts, no script, no external resource) whose own Content-Security-Policy forbids everything but inline
 * styles and data: images. Every value that comes from the ledger or from the request is passed through
 * {@link Html#escape} — the only way a value reaches the markup here is through {@link #t}.
 */
public final class ReportHtml {
    /** The policy the page carries in a meta element and the handler sends as a header. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
    /** Weeks the charts show (the newest ones). */
    static final int CHART_WEEKS = 26;

    private ReportHtml() {}

    /** Escaped text. */
    private static String t(Object value) {
        return Html.escape(value == null ? "" : String.valueOf(value));
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", v);
    }

    public static String render(ComplianceReport r) {
        StringBuilder h = new StringBuilder(16_384);
        LedgerStats s = r.stats();
        IncrementalVerifier.Result v = r.integrity();
        String scope = r.serviceFilter() == null ? "All services" : r.serviceFilter();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(t(CONTENT_SECURITY_POLICY)).append("\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(t(ComplianceReport.TITLE)).append(" — ").append(t(scope)).append("</title>\n")
                .append("<style>").append(CSS).append("</style>\n</head>\n<body>\n");

        // ---- header
        h.append("<header><h1>").append(t(ComplianceReport.TITLE)).append("</h1>\n")
                .append("<p class=\"subtitle\">").append(t(ComplianceReport.REPORT_TYPE)).append("</p>\n")
                .append("<dl class=\"meta\">")
                .append("<dt>Service</dt><dd>").append(t(scope)).append("</dd>")
                .append("<dt>Generated</dt><dd>").append(t(r.generatedAt())).append("</dd>")
                .append("<dt>Report ID</dt><dd class=\"mono\">").append(t(r.reportId())).append("</dd>")
                .append("<dt>Generator</dt><dd>").append(t(r.generator())).append("</dd>")
                .append("</dl></header>\n");

        // ---- integrity
        h.append("<section id=\"integrity\"><h2>Ledger integrity</h2>\n<p class=\"badge-line\">Hash chain verification: ")
                .append(v.valid() ? "<span class=\"badge pass\">PASS</span>" : "<span class=\"badge fail\">FAIL</span>")
                .append("</p>\n<p>").append(t(v.message())).append("</p>\n<table class=\"kv\">")
                .append(row("Entries attested", v.entries()))
                .append(row("Chains", v.chains()))
                .append(row("Verification", v.full() ? "full (every entry re-hashed)"
                        : "incremental (" + v.newlyVerified() + " entries appended since the last verification re-hashed)"));
        if (v.headHash() != null) {
            h.append("<tr><th>Head hash</th><td class=\"mono hash\">").append(t(v.headHash())).append("</td></tr>");
        }
        Verification.Failure f = v.failure();
        if (f != null) {
            h.append(row("Broken at", f.brokenAt())).append(row("Chain", f.chainId()))
                    .append(row("Sequence", f.sequence())).append(row("Kind", f.kind().label()));
        }
        h.append("</table></section>\n");

        // ---- articles
        h.append("<section id=\"articles\"><h2>EU AI Act article assessment</h2>\n")
                .append("<table class=\"articles\"><thead><tr><th>Article</th><th>Requirement</th><th>Status</th>")
                .append("<th>Evidence</th></tr></thead><tbody>\n");
        for (Article a : r.articles()) {
            String cls = switch (a.status()) {
                case COMPLIANT -> "pass";
                case PARTIAL -> "partial";
                case NON_COMPLIANT -> "fail";
            };
            h.append("<tr><td class=\"art\"><strong>").append(t(a.article())).append("</strong><br><span class=\"muted\">")
                    .append(t(a.title())).append("</span></td><td>").append(t(a.description()))
                    .append("<p class=\"basis\">").append(t(a.basis())).append("</p></td>")
                    .append("<td><span class=\"badge ").append(cls).append("\">").append(t(a.status().label()))
                    .append("</span></td><td>").append(evidence(a.evidence())).append("</td></tr>\n");
        }
        h.append("</tbody></table></section>\n");

        // ---- statistics
        LedgerStats.Counts tot = s.totals();
        h.append("<section id=\"statistics\" class=\"page-break\"><h2>Decision statistics</h2>\n<table class=\"kv\">")
                .append(row("Total decisions logged", tot.decisions()))
                .append(row("Recorded (no issues)", tot.recorded()))
                .append(row("Flagged incorrect", tot.incorrect()))
                .append(row("Human corrected", tot.corrected()))
                .append(row("Human confirmed", tot.confirmed()))
                .append(row("Reviewed (confirmed, flagged or corrected)", tot.reviewed()))
                .append(row("Accuracy (confirmed ÷ reviewed)", pctOrNone(tot.accuracy())))
                .append(row("Review coverage (reviewed ÷ all)", pctOrNone(tot.reviewCoverage())))
                .append(row("Time to first verdict (median / p90)", seconds(s.verdictSecondsQuantile(0.5)) + " / "
                        + seconds(s.verdictSecondsQuantile(0.9))))
                .append(row("Ledger entries (decisions, verdicts, replays)", s.entries()))
                .append(row("Models", s.uniqueModels()))
                .append(row("Services", s.uniqueServices()))
                .append(row("Decision types", s.uniqueDecisionTypes()))
                .append(row("First decision", s.firstDecision() == null ? "—" : s.firstDecision()))
                .append(row("Last decision", s.lastDecision() == null ? "—" : s.lastDecision()))
                .append("</table>\n");
        List<Week> weeks = weeks(s.byWeek());
        if (!weeks.isEmpty()) {
            h.append("<div class=\"charts\"><figure>").append(decisionsChart(weeks))
                    .append("<figcaption>Decisions per ISO week (red: flagged or corrected since)</figcaption></figure>")
                    .append("<figure>").append(ratesChart(weeks))
                    .append("<figcaption>Accuracy (confirmed ÷ reviewed) and review coverage per ISO week of recording"
                            + "</figcaption></figure></div>\n");
        }
        h.append(breakdown("Per model", "Model", s.byModel()))
                .append(breakdown("Per decision type", "Decision type", s.byType()))
                .append(breakdown("Per service", "Service", s.byService()))
                .append(breakdown("Per ISO week of recording", "Week", s.byWeek()))
                .append(usage(s, r.prices()))
                .append("</section>\n");

        // ---- lifecycle: retention floors, legal holds, erasures (Art. 19, 26(6), 73)
        if (!r.lifecycle().isEmpty()) {
            h.append("<section id=\"lifecycle\"><h2>Retention, legal holds and erasures</h2>\n<p class=\"muted\">")
                    .append("Art. 19 and 26(6) (log retention), Art. 73 (holds during an incident). Showing ")
                    .append(r.lifecycle().size()).append(" of ").append(r.lifecycleTotal())
                    .append(" lifecycle entries, newest first.</p>\n<table class=\"verdicts\"><thead><tr>")
                    .append("<th>#</th><th>When</th><th>Entry</th><th>Details</th></tr></thead><tbody>\n");
            for (dev.loopgrid.core.ledger.Entry e : r.lifecycle()) {
                h.append("<tr><td>").append(t(e.sequence())).append("</td><td>").append(t(e.recordedAt()))
                        .append("</td><td>").append(t(e.type() == null ? "?" : e.type().wire())).append("</td><td class=\"cell\">")
                        .append(t(readable(e.content()))).append("</td></tr>\n");
            }
            h.append("</tbody></table></section>\n");
        }

        // ---- recent verdicts
        if (!r.recentVerdicts().isEmpty()) {
            h.append("<section id=\"verdicts\"><h2>Latest human verdicts</h2>\n<p class=\"muted\">Showing ")
                    .append(r.recentVerdicts().size()).append(" of ").append(tot.reviewed())
                    .append(" reviewed decisions, newest verdict first.</p>\n<table class=\"verdicts\"><thead><tr>")
                    .append("<th>Decision</th><th>Verdict</th><th>Reason / correction / notes</th><th>Original output</th>")
                    .append("</tr></thead><tbody>\n");
            for (dev.loopgrid.core.decision.DecisionRecord d : r.recentVerdicts()) {
                String badge = switch (d.status()) {
                    case CORRECTED -> "<span class=\"badge pass\">CORRECTED</span>";
                    case CONFIRMED -> "<span class=\"badge pass\">CONFIRMED</span>";
                    default -> "<span class=\"badge fail\">INCORRECT</span>";
                };
                h.append("<tr><td><span class=\"mono\">").append(t(d.decisionId())).append("</span><br><span class=\"muted\">")
                        .append(t(d.chainId())).append(" · ").append(t(d.decisionType())).append("</span></td><td>")
                        .append(badge).append("<br><span class=\"muted\">").append(t(ComplianceReportService.verdictAt(d)))
                        .append("</span></td><td>");
                if (d.incorrectReason() != null) h.append("<p class=\"cell\">").append(t(excerpt(d.incorrectReason()))).append("</p>");
                if (d.status() == dev.loopgrid.core.decision.DecisionStatus.CORRECTED) {
                    h.append("<p class=\"cell\">").append(t(d.subjectId() != null ? SEALED : excerpt(readable(d.correction())))).append("</p><span class=\"muted\">by ")
                            .append(t(d.correctedBy())).append("</span>");
                    if (d.correctionNotes() != null && d.subjectId() == null) {
                        h.append("<p class=\"cell notes\">Notes: ").append(t(excerpt(d.correctionNotes()))).append("</p>");
                    }
                }
                if (d.status() == dev.loopgrid.core.decision.DecisionStatus.CONFIRMED) {
                    h.append("<span class=\"muted\">confirmed by ").append(t(d.confirmedBy())).append("</span>");
                    if (d.confirmationNotes() != null) {
                        h.append("<p class=\"cell notes\">Notes: ").append(t(excerpt(d.confirmationNotes()))).append("</p>");
                    }
                }
                h.append("</td><td class=\"cell\">").append(t(excerpt(readable(outputOf(d))))).append("</td></tr>\n");
            }
            h.append("</tbody></table></section>\n");
        }

        // ---- chain heads
        h.append("<section id=\"chains\"><h2>Attested chain heads</h2>\n<p>This report attests each chain up to the ")
                .append("head below: the entry at that sequence has that chain hash, and every entry before it links to it.</p>\n")
                .append("<table class=\"chains\"><thead><tr><th>Chain (service)</th><th>Sequence</th><th>Head hash</th>")
                .append("<th>Verified</th></tr></thead><tbody>\n");
        for (IncrementalVerifier.ChainResult c : v.chainResults()) {
            h.append("<tr><td>").append(t(c.chainId())).append("</td><td class=\"num\">").append(c.headSequence())
                    .append("</td><td class=\"mono hash\">").append(t(c.headHash())).append("</td><td>")
                    .append(c.valid() ? "<span class=\"badge pass\">PASS</span>" : "<span class=\"badge fail\">FAIL</span>")
                    .append(" <span class=\"muted\">").append(c.verifiedFrom() == 0 ? "from sequence 1"
                            : "after sequence " + c.verifiedFrom()).append("</span></td></tr>\n");
        }
        if (v.chainResults().isEmpty()) h.append("<tr><td colspan=\"4\" class=\"muted\">No chain yet.</td></tr>\n");
        h.append("</tbody></table></section>\n");

        h.append("<footer><p>Generated by ").append(t(r.generator())).append(" from the hash-chained decision ledger. ")
                .append("Statistics come from the counters the ledger keeps with every append; integrity from re-hashing ")
                .append("the chains. Statuses other than those of v0.1 are partial where the ledger alone cannot prove ")
                .append("compliance. The JSON form of this report (report ID above) carries the same data.</p></footer>\n")
                .append("</body></html>\n");
        return h.toString();
    }

    static final int EXCERPT = 240;
    /** What a report shows in place of a data subject's content (reports are kept; erasure must not miss them). */
    static final String SEALED = "[personal data of a data subject: not copied into reports]";

    private static String excerpt(String s) {
        if (s == null) return "";
        return s.codePointCount(0, s.length()) <= EXCERPT ? s : s.substring(0, s.offsetByCodePoints(0, EXCERPT)) + "…";
    }

    private static String outputOf(dev.loopgrid.core.decision.DecisionRecord d) {
        if (d.contentProblem() != null) return "[content not shown: " + d.contentProblem() + "]";
        // a data subject's content never goes into a report: reports are kept, erasures must not miss them
        if (d.subjectId() != null) return SEALED;
        if (d.content() == null) return null;
        JsonNode o = dev.loopgrid.core.Json.parseStored(d.content()).get("output");
        return o == null ? null : o.toString();
    }

    /**
     * JSON text as a reader sees it: an object's members one per line as {@code name: value}, strings without
     * quotes or escapes, nested values as compact JSON; anything that is not JSON as it is. (Escaping for HTML
     * happens after, in {@link #t}.)
     */
    static String readable(String json) {
        if (json == null) return null;
        JsonNode n;
        try {
            n = dev.loopgrid.core.Json.MAPPER.readTree(json);
        } catch (Exception e) {
            return json;
        }
        if (n == null) return json;
        if (n.isTextual()) return n.textValue();
        if (!n.isObject()) return n.toString();
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, JsonNode> f : n.properties()) {
            if (sb.length() > 0) sb.append('\n');
            JsonNode v = f.getValue();
            sb.append(f.getKey()).append(": ").append(v.isTextual() ? v.textValue() : v.toString());
        }
        return sb.toString();
    }

    private static String pctOrNone(Double v) {
        return v == null ? "— (nothing reviewed)" : pct(v);
    }

    private static String seconds(Double v) {
        if (v == null) return "—";
        if (v < 120) return String.format(Locale.ROOT, "≤ %s s", LogBucketsFormat.number(v));
        if (v < 7200) return String.format(Locale.ROOT, "≤ %s min", LogBucketsFormat.number(v / 60));
        if (v < 172800) return String.format(Locale.ROOT, "≤ %s h", LogBucketsFormat.number(v / 3600));
        return String.format(Locale.ROOT, "≤ %s days", LogBucketsFormat.number(v / 86400));
    }

    /** Numbers as the report prints them. */
    private static final class LogBucketsFormat {
        static String number(double v) {
            return v >= 10 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
        }
    }

    /** Per model: latency p50/p95 (from the latency sketch), tokens and cost. */
    private static String usage(LedgerStats s, PriceTable prices) {
        com.fasterxml.jackson.databind.node.ArrayNode models = UsageJson.perModel(s, prices);
        if (models.isEmpty()) return "";
        StringBuilder sb = new StringBuilder("<h3>Usage, latency and cost per model</h3>\n<table class=\"breakdown\"><thead><tr>")
                .append("<th>Model</th><th>Decisions</th><th>Latency p50</th><th>Latency p95</th><th>Input tokens</th>")
                .append("<th>Output tokens</th><th>Cost</th></tr></thead><tbody>\n");
        for (JsonNode m : models) {
            JsonNode cost = m.get("cost");
            String c = cost.get("amount").isNull() ? "unknown"
                    : String.format(Locale.ROOT, "%.4f %s", cost.get("amount").asDouble(), cost.get("currency").asText());
            sb.append("<tr><td>").append(t(m.get("model").asText())).append("</td><td class=\"num\">")
                    .append(m.get("decisions").asLong()).append("</td><td class=\"num\">").append(t(ms(m.at("/latency_ms/p50"))))
                    .append("</td><td class=\"num\">").append(t(ms(m.at("/latency_ms/p95")))).append("</td><td class=\"num\">")
                    .append(m.at("/tokens/input").asLong()).append("</td><td class=\"num\">").append(m.at("/tokens/output").asLong())
                    .append("</td><td class=\"num\">").append(t(c)).append("</td></tr>\n");
        }
        return sb.append("</tbody></table>\n<p class=\"muted\">Latency quantiles come from a log-scale sketch (four ")
                .append("buckets per doubling): each is the upper bound of its bucket, at most 19 % above the true value. ")
                .append("Cost is unknown where no price is configured (LOOPGRID_PRICES).</p>\n").toString();
    }

    private static String ms(JsonNode v) {
        return v == null || v.isNull() ? "—" : "≤ " + LogBucketsFormat.number(v.asDouble()) + " ms";
    }

    private static String row(String label, Object value) {
        return "<tr><th>" + t(label) + "</th><td>" + t(value) + "</td></tr>";
    }

    /** Scalars as "name: value"; lists of scalars joined; lists of objects counted (the tables show them). */
    private static String evidence(JsonNode e) {
        StringBuilder sb = new StringBuilder("<ul class=\"evidence\">");
        for (Iterator<Map.Entry<String, JsonNode>> it = e.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode val = f.getValue();
            String shown;
            if (val == null || val.isNull()) shown = "—";
            else if (val.isValueNode()) shown = val.asText();
            else if (val.isArray() && val.size() > 0 && !val.get(0).isValueNode()) shown = val.size() + (val.size() == 1 ? " entry" : " entries") + " (see statistics)";
            else if (val.isArray()) {
                List<String> parts = new ArrayList<>();
                val.forEach(x -> parts.add(x.asText()));
                shown = String.join(", ", parts);
            } else shown = val.toString();
            sb.append("<li><span class=\"k\">").append(t(f.getKey().replace('_', ' '))).append(":</span> ")
                    .append(t(shown)).append("</li>");
        }
        return sb.append("</ul>").toString();
    }

    private static String breakdown(String title, String keyHeader, Map<String, LedgerStats.Counts> m) {
        if (m.isEmpty()) return "";
        StringBuilder sb = new StringBuilder("<h3>").append(t(title)).append("</h3>\n<table class=\"breakdown\"><thead><tr><th>")
                .append(t(keyHeader)).append("</th><th>Decisions</th><th>Reviewed</th><th>Confirmed</th><th>Incorrect</th>")
                .append("<th>Corrected</th><th>Accuracy</th><th>Review coverage</th></tr></thead><tbody>\n");
        for (Map.Entry<String, LedgerStats.Counts> e : m.entrySet()) {
            LedgerStats.Counts c = e.getValue();
            sb.append("<tr><td>").append(t(e.getKey())).append("</td><td class=\"num\">").append(c.decisions())
                    .append("</td><td class=\"num\">").append(c.reviewed()).append("</td><td class=\"num\">").append(c.confirmed())
                    .append("</td><td class=\"num\">").append(c.incorrect()).append("</td><td class=\"num\">").append(c.corrected())
                    .append("</td><td class=\"num\">").append(t(c.accuracy() == null ? "—" : pct(c.accuracy())))
                    .append("</td><td class=\"num\">").append(t(c.reviewCoverage() == null ? "—" : pct(c.reviewCoverage())))
                    .append("</td></tr>\n");
        }
        return sb.append("</tbody></table>\n").toString();
    }

    // ---------------------------------------------------------------- charts

    record Week(String label, LedgerStats.Counts counts) {}

    /** The newest {@link #CHART_WEEKS} weeks, with weeks that have no decisions filled in as zero. */
    static List<Week> weeks(Map<String, LedgerStats.Counts> byWeek) {
        List<Week> out = new ArrayList<>();
        if (byWeek.isEmpty()) return out;
        List<String> keys = new ArrayList<>(byWeek.keySet());
        LocalDate last = monday(keys.get(keys.size() - 1));
        LocalDate first = monday(keys.get(0));
        if (last == null || first == null) {
            for (String k : keys.subList(Math.max(0, keys.size() - CHART_WEEKS), keys.size())) out.add(new Week(k, byWeek.get(k)));
            return out;
        }
        LocalDate start = last.minusWeeks(CHART_WEEKS - 1L);
        if (first.isAfter(start)) start = first;
        for (LocalDate d = start; !d.isAfter(last); d = d.plusWeeks(1)) {
            String k = String.format("%04d-W%02d", d.get(IsoFields.WEEK_BASED_YEAR), d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            out.add(new Week(k, byWeek.getOrDefault(k, LedgerStats.Counts.ZERO)));
        }
        return out;
    }

    private static LocalDate monday(String isoWeek) {
        try {
            int year = Integer.parseInt(isoWeek.substring(0, 4));
            int week = Integer.parseInt(isoWeek.substring(6));
            return LocalDate.of(year, 1, 4).with(IsoFields.WEEK_OF_WEEK_BASED_YEAR, week).with(DayOfWeek.MONDAY);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static final int W = 680;
    private static final int H = 190;
    private static final int LEFT = 44;
    private static final int RIGHT = 12;
    private static final int TOP = 14;
    private static final int BOTTOM = 30;

    private static String decisionsChart(List<Week> weeks) {
        long max = 1;
        for (Week w : weeks) max = Math.max(max, w.counts().decisions());
        double plotW = W - LEFT - RIGHT;
        double plotH = H - TOP - BOTTOM;
        double slot = plotW / weeks.size();
        double bar = Math.max(1, Math.min(28, slot * 0.7));
        StringBuilder sb = svgOpen("Decisions per week");
        axes(sb, String.valueOf(max), "0");
        for (int i = 0; i < weeks.size(); i++) {
            LedgerStats.Counts c = weeks.get(i).counts();
            double x = LEFT + i * slot + (slot - bar) / 2;
            double hAll = plotH * c.decisions() / max;
            double hErr = plotH * Math.min(c.errors(), c.decisions()) / max;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"bar\"/>",
                    x, TOP + plotH - hAll, bar, hAll));
            if (hErr > 0) {
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"bar-err\"/>",
                        x, TOP + plotH - hErr, bar, hErr));
            }
        }
        weekLabels(sb, weeks);
        return sb.append("</svg>").toString();
    }

    private static String ratesChart(List<Week> weeks) {
        double max = 100;
        double plotW = W - LEFT - RIGHT;
        double plotH = H - TOP - BOTTOM;
        double slot = plotW / weeks.size();
        StringBuilder sb = svgOpen("Accuracy and review coverage per week");
        axes(sb, String.format(Locale.ROOT, "%.0f%%", max), "0%");
        StringBuilder err = new StringBuilder();
        StringBuilder cor = new StringBuilder();
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < weeks.size(); i++) {
            double x = LEFT + i * slot + slot / 2;
            LedgerStats.Counts c = weeks.get(i).counts();
            // accuracy only where the week has reviewed decisions: no point is drawn for a rate that does not exist
            double yc = TOP + plotH - plotH * Math.min(max, c.reviewCoverage() == null ? 0 : c.reviewCoverage()) / max;
            if (c.accuracy() != null) {
                double ye = TOP + plotH - plotH * Math.min(max, c.accuracy()) / max;
                err.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, ye));
                points.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" class=\"sw-err\"/>", x, ye));
            }
            cor.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, yc));
            points.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" class=\"sw-cor\"/>", x, yc));
        }
        sb.append("<polyline class=\"line-err\" points=\"").append(err.toString().trim()).append("\"/>")
                .append("<polyline class=\"line-cor\" points=\"").append(cor.toString().trim()).append("\"/>")
                .append(points);
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"2\" width=\"10\" height=\"3\" class=\"sw-err\"/>"
                + "<text x=\"%d\" y=\"8\" class=\"lbl\">accuracy</text>", W - 190, W - 176));
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"2\" width=\"10\" height=\"3\" class=\"sw-cor\"/>"
                + "<text x=\"%d\" y=\"8\" class=\"lbl\">review coverage</text>", W - 110, W - 96));
        weekLabels(sb, weeks);
        return sb.append("</svg>").toString();
    }

    private static StringBuilder svgOpen(String title) {
        return new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\"><title>%s</title>",
                W, H, t(title), t(title)));
    }

    private static void axes(StringBuilder sb, String maxLabel, String zeroLabel) {
        int x0 = LEFT;
        int y0 = H - BOTTOM;
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>", x0, TOP, x0, y0))
                .append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>", x0, y0, W - RIGHT, y0))
                .append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"grid\"/>", x0, TOP, W - RIGHT, TOP))
                .append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"lbl\" text-anchor=\"end\">%s</text>", x0 - 4, TOP + 4, t(maxLabel)))
                .append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"lbl\" text-anchor=\"end\">%s</text>", x0 - 4, y0, t(zeroLabel)));
    }

    private static void weekLabels(StringBuilder sb, List<Week> weeks) {
        int y = H - BOTTOM + 16;
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"lbl\">%s</text>", LEFT, y, t(weeks.get(0).label())));
        if (weeks.size() > 1) {
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"lbl\" text-anchor=\"end\">%s</text>",
                    W - RIGHT, y, t(weeks.get(weeks.size() - 1).label())));
        }
    }

    private static final String CSS = String.join("\n",
            ":root{--ink:#1a1f2b;--muted:#5b6475;--line:#d7dce5;--navy:#1b2a4a;--blue:#2e5090}",
            "*{box-sizing:border-box}",
            "body{font-family:'Liberation Sans',Arial,Helvetica,sans-serif;color:var(--ink);max-width:960px;margin:32px auto;"
                    + "padding:0 24px;line-height:1.45;font-size:14px;background:#fff}",
            "h1{color:var(--navy);font-size:26px;margin:0;border-bottom:3px solid var(--navy);padding-bottom:6px}",
            ".subtitle{color:var(--muted);margin:4px 0 12px}",
            "h2{color:var(--blue);font-size:19px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}",
            "h3{font-size:15px;margin:18px 0 6px}",
            "dl.meta{display:grid;grid-template-columns:110px 1fr;gap:2px 12px;margin:0}",
            "dl.meta dt{font-weight:bold;color:var(--muted)}dl.meta dd{margin:0;overflow-wrap:anywhere}",
            "table{width:100%;border-collapse:collapse;margin:8px 0 14px}",
            "th,td{text-align:left;vertical-align:top;padding:6px 9px;border:1px solid var(--line);overflow-wrap:anywhere}",
            "thead th{background:#eef1f6}table.kv th{width:220px;background:#f6f7fa;font-weight:normal;color:var(--muted)}",
            "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}",
            ".mono{font-family:'Liberation Mono',Menlo,Consolas,monospace;font-size:12px}",
            ".hash{word-break:break-all}",
            ".muted{color:var(--muted);font-size:12px}",
            "td.art{width:130px}",
            "p.cell{margin:0 0 4px;white-space:pre-wrap}",
            ".basis{color:var(--muted);font-size:12px;margin:6px 0 0}",
            "ul.evidence{margin:0;padding-left:16px;font-size:12px}ul.evidence .k{color:var(--muted)}",
            ".badge{display:inline-block;padding:2px 9px;border-radius:4px;font-weight:bold;font-size:12px;white-space:nowrap;"
                    + "-webkit-print-color-adjust:exact;print-color-adjust:exact}",
            ".pass{background:#d4edda;color:#155724}.fail{background:#f8d7da;color:#721c24}.partial{background:#fff3cd;color:#856404}",
            ".badge-line{font-size:16px}.badge-line .badge{font-size:15px;padding:3px 12px}",
            ".charts{display:grid;grid-template-columns:1fr;gap:8px}",
            "figure{margin:6px 0}figcaption{color:var(--muted);font-size:12px}",
            "svg{width:100%;height:auto;-webkit-print-color-adjust:exact;print-color-adjust:exact}",
            "svg .axis{stroke:#7a8294;stroke-width:1}svg .grid{stroke:#e3e6ec;stroke-dasharray:3 3}",
            "svg .bar{fill:#8aa4d6}svg .bar-err{fill:#d9534f}",
            "svg .line-err{fill:none;stroke:#d9534f;stroke-width:2}svg .line-cor{fill:none;stroke:#2e8b57;stroke-width:2}",
            "svg .sw-err{fill:#d9534f}svg .sw-cor{fill:#2e8b57}svg .lbl{font-size:10px;fill:#5b6475}",
            "footer{margin-top:36px;padding-top:10px;border-top:1px solid var(--line);color:var(--muted);font-size:12px}",
            "@page{size:A4;margin:14mm 12mm}",
            "@media print{body{margin:0;max-width:none;padding:0;font-size:11px}h1{font-size:22px}",
            "  .page-break{break-before:page}tr,figure,.badge-line{break-inside:avoid}thead{display:table-header-group}",
            "  h2,h3{break-after:avoid}}");
}
