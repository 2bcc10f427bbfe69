package dev.loopgrid.core.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import org.junit.jupiter.api.Test;

class CountersTest {

    /** The ISO week as the calendar defines it, written the long way. */
    private static String reference(LocalDate d) {
        return String.format("%04d-W%02d", d.get(IsoFields.WEEK_BASED_YEAR), d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
    }

    @Test
    void isoWeek_matchesTheCalendar_onEveryDayOfThirtyYears_atEitherEndOfTheDay() {
        for (LocalDate d = LocalDate.of(1999, 12, 20); d.isBefore(LocalDate.of(2030, 1, 10)); d = d.plusDays(1)) {
            String start = d.atStartOfDay(ZoneOffset.UTC).toInstant().toString();
            String end = d.atTime(23, 59, 59, 999_000_000).toInstant(ZoneOffset.UTC).toString();
            assertEquals(reference(d), Counters.isoWeek(end), end);
            assertEquals(reference(d), Counters.isoWeek(start), start);
            assertEquals(reference(d), Counters.isoWeek(end), end); // again, from the remembered day
        }
    }

    @Test
    void isoWeek_weeksAcrossYearEnds() {
        assertEquals("2026-W53", Counters.isoWeek("2027-01-03T12:00:00Z")); // a Sunday of 2026's week 53
        assertEquals("2027-W01", Counters.isoWeek("2027-01-04T00:00:00Z"));
        assertEquals("2020-W01", Counters.isoWeek("2019-12-30T08:00:00.123Z"));
        assertEquals("2026-W49", Counters.isoWeek("2026-12-05T00:17:42.123Z"));
    }

    @Test
    void isoWeek_yearsOutsideFourDigits_areStillPadded() {
        assertEquals("0999-W01", Counters.isoWeek("0999-01-05T00:00:00Z"));
        assertEquals(reference(LocalDate.of(12026, 6, 1)), Counters.isoWeek("+12026-06-01T00:00:00Z"));
    }

    @Test
    void isoWeek_refusesWhatIsNotAnInstant() {
        assertThrows(java.time.format.DateTimeParseException.class, () -> Counters.isoWeek("2026-12-05"));
    }
}
