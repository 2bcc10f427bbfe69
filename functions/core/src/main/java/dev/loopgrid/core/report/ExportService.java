package dev.loopgrid.core.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionPage;
import dev.loopgrid.core.decision.DecisionQuery;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.decision.DecisionView;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.decision.DecisionIndex;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Consumer;

/**
 * Exports without a row cap.
 * <ul>
 *   <li>JSON: pages of up to {@code page_size} decisions and at most {@link #JSON_PAGE_BYTES} bytes, newest first,
 *       with {@code next_cursor} to the next page (an export cursor points at a single decision, so a page
 *       can end anywhere without losing or repeating one).</li>
 *   <li>CSV and ground-truth JSONL: the whole set is written once. Up to the inline limit it is the response
 *       body; larger, it is stored as {@code reports/exports/<export_id>…} and the answer is a presigned link
 *       (Lambda proxy responses are buffered and capped at 6 MB, so they cannot stream).</li>
 * </ul>
 */
public final class ExportService {
    public static final int JSON_PAGE_MAX = 1000;
    /** Bytes of decisions per JSON page: Lambda's response limit is 6 MB. */
    public static final int JSON_PAGE_BYTES = 4 * 1024 * 1024;
    /** Default for the largest CSV/JSONL answered inline. */
    public static final int DEFAULT_INLINE_BYTES = 5 * 1024 * 1024;
    /** Decisions read from the store per query. */
    static final int STORE_PAGE = 100;

    /** How a file export is delivered. */
    public sealed interface Delivery {
        long rows();

        /** In the response body. */
        record Inline(byte[] body, long rows) implements Delivery {}

        /** Stored; the client downloads it from {@code link}. */
        record Stored(String exportId, String key, ReportStore.PresignedLink link, long bytes, long rows) implements Delivery {}
    }

    private final DecisionIndex store;
    private final ReportStore reportStore;
    private final long inlineBytes;

    /** @param reportStore where large exports go; null: a file export larger than {@code inlineBytes} is refused (503) */
    public ExportService(DecisionIndex store, ReportStore reportStore, long inlineBytes) {
        this.store = store;
        this.reportStore = reportStore;
        this.inlineBytes = inlineBytes;
    }

    // ---------------------------------------------------------------- JSON pages

    /**
     * One page of the JSON export: {@code {"decisions": […], "total": n, "has_more", "next_cursor", "page_size"}},
     * where {@code total} is the exact number of decisions matching the filters.
     *
     * @throws LedgerException.Malformed for a cursor that is not one this export issued for these filters
     */
    public ObjectNode decisionsJson(String tenant, String serviceName, DecisionStatus status, String cursor, int pageSize) {
        // binds a cursor to its tenant and filters
        String filters = Canonical.sha256Hex(tenant + "|" + (serviceName == null ? "" : serviceName) + "|"
                + (status == null ? "" : status.wire())).substring(0, 16);
        Position pos = cursor == null ? new Position(null, 0) : Position.decode(cursor, filters);
        ObjectNode body = Json.object();
        ArrayNode list = body.putArray("decisions");
        long bytes = 0;
        Long total = null;
        String next = null;
        outer:
        while (true) {
            DecisionPage page = store.listDecisions(tenant, new DecisionQuery(serviceName, null, status, null, null, 1,
                    STORE_PAGE, pos.storeCursor()));
            if (total == null) total = page.total();
            int i = pos.offset();
            for (; i < page.decisions().size(); i++) {
                ObjectNode d = DecisionView.toJson(page.decisions().get(i));
                long size = Json.write(d).getBytes(StandardCharsets.UTF_8).length + 1;
                if (list.size() >= pageSize || (list.size() > 0 && bytes + size > JSON_PAGE_BYTES)) {
                    next = new Position(pos.storeCursor(), i).encode(filters);
                    break outer;
                }
                list.add(d);
                bytes += size;
            }
            if (!page.hasMore() || page.nextCursor() == null) break;
            pos = new Position(page.nextCursor(), 0);
            if (list.size() >= pageSize) {
                next = pos.encode(filters);
                break;
            }
        }
        body.put("total", total);
        body.put("page_size", pageSize);
        body.put("has_more", next != null);
        body.put("next_cursor", next);
        return body;
    }

    /** Where an export page starts: a store page (its cursor; null = the first) and an offset into it. */
    private record Position(String storeCursor, int offset) {
        String encode(String filters) {
            ObjectNode o = Json.object();
            o.put("s", storeCursor);
            o.put("o", offset);
            o.put("f", filters);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.write(o).getBytes(StandardCharsets.UTF_8));
        }

        static Position decode(String text, String filters) {
            try {
                JsonNode o = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(text));
                if (!filters.equals(o.path("f").asText(null))) {
                    throw new LedgerException.Malformed("invalid_cursor",
                            "cursor belongs to another export (other filters or another tenant); start again without cursor");
                }
                JsonNode s = o.get("s");
                int offset = o.get("o").asInt();
                if (offset < 0 || offset >= STORE_PAGE) throw new IllegalArgumentException();
                if (s != null && !s.isNull() && !s.isTextual()) throw new IllegalArgumentException();
                Position p = new Position(s == null || s.isNull() ? null : s.textValue(), offset);
                // only the bytes encode writes: no extra members, no trailing bytes
                if (!p.encode(filters).equals(text)) throw new IllegalArgumentException();
                return p;
            } catch (LedgerException e) {
                throw e;
            } catch (Exception e) {
                throw new LedgerException.Malformed("invalid_cursor",
                        "cursor is not valid: pass next_cursor from a previous page unchanged");
            }
        }
    }

    // ---------------------------------------------------------------- files

    /** The CSV export (header of {@link DecisionCsv}), formula-safe. */
    public Delivery decisionsCsv(String tenant, String serviceName, DecisionStatus status) {
        return decisionsCsv(tenant, serviceName, status, true);
    }

    /** The CSV export; {@code formulaSafe} false writes every value exactly ({@link CsvWriter}). */
    public Delivery decisionsCsv(String tenant, String serviceName, DecisionStatus status, boolean formulaSafe) {
        return write(tenant, "decisions.csv", "text/csv; charset=utf-8", w -> {
            CsvWriter csv = new CsvWriter(w, formulaSafe);
            csv.row(DecisionCsv.HEADER);
            return each(tenant, serviceName, status, d -> csv.row(DecisionCsv.row(d)));
        });
    }

    /**
     * The ground-truth export: one JSON object per line for every corrected decision, with its input, prompt and
     * model, the original output, the correction, who corrected it and when, and the hashes of the decision's
     * entry and of the correction's entry; then every confirmed decision as a positive example ({@code verdict}
     * {@code confirmed}: its own output was right; no correction).
     */
    public Delivery groundTruth(String tenant, String serviceName) {
        return write(tenant, "ground-truth.jsonl", "application/x-ndjson", w -> {
            Consumer<DecisionRecord> line = d -> {
                if (d.erased()) return; // no content left to learn from
                try {
                    w.write(Json.write(groundTruthLine(d)));
                    w.write('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
            return each(tenant, serviceName, DecisionStatus.CORRECTED, line)
                    + each(tenant, serviceName, DecisionStatus.CONFIRMED, line);
        });
    }

    /** Where a tenant's stored exports live: {@code reports/<tenant>/exports/} (an erasure deletes them). */
    public static String exportsPrefix(String tenant) {
        return ComplianceReportService.PREFIX + tenant + "/exports/";
    }

    /** One ground-truth record. */
    public static ObjectNode groundTruthLine(DecisionRecord d) {
        JsonNode content = Json.parseStored(d.requireContent());
        ObjectNode o = Json.object();
        o.put("verdict", d.status().wire());
        o.put("decision_id", d.decisionId());
        o.put("service_name", d.chainId());
        o.put("decision_type", d.decisionType());
        o.put("created_at", d.createdAt());
        o.put("model_label", Counters.modelLabel(content.get("model")));
        o.set("model", content.get("model"));
        o.set("input", content.get("input"));
        o.set("prompt", content.get("prompt"));
        o.set("original_output", content.get("output"));
        o.set("correction", d.correction() == null ? null : Json.parseStored(d.correction()));
        o.put("corrected_by", d.correctedBy());
        o.put("corrected_at", d.correctedAt());
        o.put("notes", d.correctionNotes());
        o.put("incorrect_reason", d.incorrectReason());
        o.put("confirmed_by", d.confirmedBy());
        o.put("confirmed_at", d.confirmedAt());
        o.put("confirmation_notes", d.confirmationNotes());
        ObjectNode de = o.putObject("decision_entry");
        de.put("chain_id", d.chainId());
        de.put("sequence", d.sequence());
        de.put("content_hash", d.contentHash());
        de.put("chain_hash", d.chainHash());
        de.put("previous_hash", d.previousHash());
        ObjectNode ce = o.putObject("correction_entry");
        if (d.correctionSequence() > 0) ce.put("sequence", d.correctionSequence());
        else ce.putNull("sequence");
        ce.put("chain_hash", d.correctionHash());
        return o;
    }

    private interface Body {
        long write(Writer w) throws IOException;
    }

    private Delivery write(String tenant, String suffix, String contentType, Body body) {
        try (SpillingOutput out = new SpillingOutput(inlineBytes)) {
            long rows;
            try (Writer w = new OutputStreamWriter(new NonClosing(out), StandardCharsets.UTF_8)) {
                rows = body.write(w);
            }
            if (out.inline()) return new Delivery.Inline(out.bytes(), rows);
            if (reportStore == null) {
                throw new LedgerException.Unavailable("export_storage_not_configured", "The export is larger than "
                        + inlineBytes + " bytes and no report storage is configured to hold it", 60);
            }
            String id = ReportIds.export();
            String key = exportsPrefix(tenant) + id + "-" + suffix;
            reportStore.put(key, out.file(), contentType);
            return new Delivery.Stored(id, key, reportStore.presignGet(key, "loopgrid-" + suffix), out.size(), rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Calls {@code each} for every decision matching the filters, newest first; returns how many. */
    private long each(String tenant, String serviceName, DecisionStatus status, Consumer<DecisionRecord> each) {
        long n = 0;
        String cursor = null;
        while (true) {
            DecisionPage page = store.listDecisions(tenant, new DecisionQuery(serviceName, null, status, null, null, 1,
                    STORE_PAGE, cursor));
            for (DecisionRecord d : page.decisions()) {
                each.accept(d);
                n++;
            }
            if (!page.hasMore() || page.nextCursor() == null) return n;
            cursor = page.nextCursor();
        }
    }

    /** Closing the writer must not delete the spilled file before it is uploaded. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(java.io.OutputStream out) { super(out); }

        @Override
        public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }

        @Override
        public void close() throws IOException { flush(); }
    }
}
