package dev.loopgrid.core.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;

/**
 * RFC 4180 CSV: fields separated by commas, records ended by CRLF; a field that contains a comma, a double
 * quote, CR or LF (or starts or ends with a space) is enclosed in double quotes, and its double quotes are
 * doubled. Formula-safe by default (OWASP "CSV injection"): a field starting with {@code =}, {@code +}, {@code -},
 * {@code @}, tab or CR is prefixed with a single quote, so a spreadsheet shows it as text instead of evaluating it; a
 * reader that wants the exact ledger value drops that one leading quote (or asks for an export without it).
 */
public final class CsvWriter {
    private final Writer out;
    private final boolean formulaSafe;

    /** A formula-safe writer. */
    public CsvWriter(Writer out) {
        this(out, true);
    }

    /** @param formulaSafe prefix fields that a spreadsheet would evaluate with a single quote */
    public CsvWriter(Writer out, boolean formulaSafe) {
        this.out = out;
        this.formulaSafe = formulaSafe;
    }

    /** Writes one record; null fields are written empty. */
    public void row(List<String> fields) {
        try {
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) out.write(',');
                String v = fields.get(i);
                out.write(field(formulaSafe ? defuse(v) : v));
            }
            out.write("\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void row(String... fields) {
        row(List.of(fields));
    }

    /** {@code v} with a single quote before a first character a spreadsheet would start a formula with. */
    public static String defuse(String v) {
        if (v == null || v.isEmpty()) return v;
        char c = v.charAt(0);
        return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' ? "'" + v : v;
    }

    /** One field, quoted when it must be. */
    public static String field(String v) {
        if (v == null || v.isEmpty()) return "";
        boolean quote = v.charAt(0) == ' ' || v.charAt(v.length() - 1) == ' ';
        for (int i = 0; !quote && i < v.length(); i++) {
            char c = v.charAt(i);
            quote = c == ',' || c == '"' || c == '\r' || c == '\n';
        }
        return quote ? '"' + v.replace("\"", "\"\"") + '"' : v;
    }

    public void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
