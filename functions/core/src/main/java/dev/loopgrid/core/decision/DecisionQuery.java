package dev.loopgrid.core.decision;

import dev.loopgrid.core.ledger.Canonical;

/**
 * Filters and paging of a decision list. Every filter may be null.
 *
 * @param since  inclusive lower bound on created_at (RFC 3339, normalised to the API's format)
 * @param until  inclusive upper bound on created_at
 * @param page   1-based page, used when {@code cursor} is null
 * @param cursor opaque cursor from a previous page's {@code next_cursor}
 */
public record DecisionQuery(String serviceName, String decisionType, DecisionStatus status, String since,
                            String until, int page, int pageSize, String cursor) {

    /**
     * Estimated bytes of decisions one page may hold ({@link #servedBytes}). A Lambda response is at most 6 MB
     * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), and one decision alone may be
     * 5 MiB: a page ends before the decision that would take it past this budget, but always holds at least one.
     */
    public static final long PAGE_BYTES = 5_500_000;

    /**
     * Whether a page holding {@code count} decisions of {@code bytes} ends before the next one of {@code nextBytes}:
     * it is full, or the next one would take it past {@link #PAGE_BYTES} (a page always holds at least one). Both
     * the cursor and {@code page=N} follow these boundaries, so walking pages 1, 2, 3… visits every decision once
     * even when large decisions end pages early.
     */
    public static boolean pageEndsBefore(int count, long bytes, long nextBytes, int pageSize) {
        return count >= pageSize || (count > 0 && bytes + nextBytes > PAGE_BYTES);
    }

    /** What a decision adds to a list response besides its content and verdict texts (ids, hashes, times, names). */
    static final int DECISION_OVERHEAD_BYTES = 1_024;

    /**
     * The estimated size of one decision in a list response: its content, its correction, reason and notes, and a
     * fixed overhead for the other members.
     *
     * @param contentBytes UTF-8 bytes of the canonical content
     */
    public static long servedBytes(long contentBytes, String correction, String incorrectReason, String notes) {
        return contentBytes + Canonical.utf8Length(correction) + Canonical.utf8Length(incorrectReason)
                + Canonical.utf8Length(notes) + DECISION_OVERHEAD_BYTES;
    }
}
