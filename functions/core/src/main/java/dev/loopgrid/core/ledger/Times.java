package dev.loopgrid.core.ledger;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** The API's one time format: RFC 3339 UTC with exactly three fractional digits and {@code Z}. */
public final class Times {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Times() {}

    public static String format(long epochMillis) {
        return FORMAT.format(Instant.ofEpochMilli(epochMillis));
    }

    public static String format(Instant instant) {
        return FORMAT.format(instant.truncatedTo(ChronoUnit.MILLIS));
    }

    /**
     * Parses an RFC 3339 time with any offset (or a plain date) and returns it in the API's format.
     *
     * @throws LedgerException.Malformed naming {@code param} when it is not a time
     */
    public static String normalise(String param, String value) {
        try {
            if (value.length() == 10) {
                return format(java.time.LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant());
            }
            return format(java.time.OffsetDateTime.parse(value).toInstant());
        } catch (DateTimeParseException e) {
            throw new LedgerException.Malformed("invalid_parameter",
                    "Query parameter " + param + " must be an RFC 3339 time such as 2026-11-23T20:12:00.123Z, got \""
                            + (value.length() > 60 ? value.substring(0, 60) + "…" : value) + "\"");
        }
    }
}
