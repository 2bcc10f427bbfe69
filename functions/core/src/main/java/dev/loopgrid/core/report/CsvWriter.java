package dev.loopgrid.core.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;

/**
 * RFC 4180 CSV: fields separated by commas, records ended by CRLF; a field that contains a comma, a double
 * quote, CR or LF (or starts or ends with a space) is enclosed in double quotes, and its double quotes are
 * doubled. Values are written as they are: no formula escaping, so a round trip gives back exactly the
 * ledger's values (spreadsheet users should import, not open, files from untrusted services).
 */
public final class CsvWriter {
    private final Writer out;

    public CsvWriter(Writer out) {
        this.out = out;
    }

    /** Writes one record; null fields are written empty. */
    public void row(List<String> fields) {
        try {
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) out.write(',');
                out.write(field(fields.get(i)));
            }
            out.write("\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void row(String... fields) {
        row(List.of(fields));
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
