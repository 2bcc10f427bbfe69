package dev.loopgrid.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.Json;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/** The CSV export's header, its quoting, and a round trip through an independent RFC 4180 parser. */
class CsvWriterTest {

    private static List<List<String>> parse(String csv) throws Exception {
        List<List<String>> out = new ArrayList<>();
        for (CSVRecord r : CSVFormat.RFC4180.parse(new StringReader(csv))) out.add(r.toList());
        return out;
    }

    @Test
    void header_startsWithTheColumnsApiMdNames() {
        assertEquals(List.of("decision_id", "created_at", "service_name", "decision_type", "status", "content_hash"),
                DecisionCsv.HEADER.subList(0, 6));
        StringWriter w = new StringWriter();
        new CsvWriter(w).row(DecisionCsv.HEADER);
        assertEquals("decision_id,created_at,service_name,decision_type,status,content_hash,", w.toString().substring(0, 70));
        assertEquals("\r\n", w.toString().substring(w.toString().length() - 2));
    }

    @Test
    void fields_areQuotedOnlyWhenNeeded() {
        assertEquals("plain", CsvWriter.field("plain"));
        assertEquals("\"a,b\"", CsvWriter.field("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", CsvWriter.field("say \"hi\""));
        assertEquals("\"two\nlines\"", CsvWriter.field("two\nlines"));
        assertEquals("\"cr\rlf\"", CsvWriter.field("cr\rlf"));
        assertEquals("\" padded \"", CsvWriter.field(" padded "));
        assertEquals("", CsvWriter.field(null));
        assertEquals("Zürich 🚀", CsvWriter.field("Zürich 🚀"));
    }

    @Test
    void roundTrip_throughAnRfc4180Parser_givesBackEveryValue() throws Exception {
        List<List<String>> rows = List.of(
                List.of("id", "text", "more"),
                List.of("1", "comma, inside", "quote \" inside"),
                List.of("2", "new\nline and\r\nCRLF", "\"starts and ends with quotes\""),
                List.of("3", "", " leading and trailing "),
                List.of("4", "=HYPERLINK(\"x\")", "unicode: 日本語 ✓ 🚀"),
                List.of("5", "\",\",\"", "\n"));
        StringWriter w = new StringWriter();
        CsvWriter csv = new CsvWriter(w, false);
        rows.forEach(csv::row);
        assertEquals(rows, parse(w.toString()), "without formula escaping every value comes back exactly");
    }

    @Test
    void formulaSafe_byDefault_prefixesCellsASpreadsheetWouldEvaluate_withASingleQuote() throws Exception {
        List<String> hostile = List.of("=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "plain", "a=b", "");
        StringWriter w = new StringWriter();
        new CsvWriter(w).row(hostile);
        assertEquals(List.of("'=HYPERLINK(\"http://x\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tcmd", "'\rcmd", "plain", "a=b", ""),
                parse(w.toString()).get(0));
        StringWriter exact = new StringWriter();
        new CsvWriter(exact, false).row(hostile);
        assertEquals(hostile, parse(exact.toString()).get(0));
    }

    @Test
    void decisionRows_carryInputOutputCorrectionAndNotes_asCanonicalJson() throws Exception {
        FakeChains ledger = new FakeChains();
        DecisionRecord d = ledger.record("svc", "t", "openai", "gpt-4", Json.object().put("response", "=1+1, \"quoted\""));
        d = ledger.verdict(d.decisionId(), DecisionStatus.CORRECTED, null, Json.object().put("response", "-fixed"), "agent_7");
        StringWriter w = new StringWriter();
        CsvWriter csv = new CsvWriter(w);
        csv.row(DecisionCsv.HEADER);
        csv.row(DecisionCsv.row(d));
        List<List<String>> parsed = parse(w.toString());
        List<String> row = parsed.get(1);
        assertEquals("{\"message\":\"hello\"}", row.get(DecisionCsv.HEADER.indexOf("input")));
        assertEquals("{\"response\":\"=1+1, \\\"quoted\\\"\"}", row.get(DecisionCsv.HEADER.indexOf("output")));
        assertEquals("{\"response\":\"-fixed\"}", row.get(DecisionCsv.HEADER.indexOf("correction")));
        assertEquals("agent_7", row.get(DecisionCsv.HEADER.indexOf("corrected_by")));
        assertEquals("", row.get(DecisionCsv.HEADER.indexOf("notes")));
    }

    @Test
    void decisionRows_roundTrip_withHostileValues() throws Exception {
        FakeChains ledger = new FakeChains();
        DecisionRecord d = ledger.record("svc, \"quoted\"\nnext", "type,with,commas", "open\"ai", "gpt\n4", null);
        d = ledger.verdict(d.decisionId(), DecisionStatus.INCORRECT, "reason with \"quotes\", commas\r\nand lines", null, null);
        StringWriter w = new StringWriter();
        CsvWriter csv = new CsvWriter(w);
        csv.row(DecisionCsv.HEADER);
        csv.row(DecisionCsv.row(d));
        List<List<String>> parsed = parse(w.toString());
        assertEquals(DecisionCsv.HEADER, parsed.get(0));
        List<String> row = parsed.get(1);
        assertEquals(d.decisionId(), row.get(0));
        assertEquals("svc, \"quoted\"\nnext", row.get(2));
        assertEquals("type,with,commas", row.get(3));
        assertEquals("incorrect", row.get(4));
        assertEquals(d.contentHash(), row.get(5));
        assertEquals("open\"ai/gpt\n4", row.get(9));
        assertEquals("reason with \"quotes\", commas\r\nand lines", row.get(10));
        assertEquals(Arrays.asList(DecisionCsv.row(d).stream().map(v -> v == null ? "" : v).toArray()), row);
        assertEquals(Json.parseStored(d.content()).get("service_name").asText(), row.get(2));
    }
}
