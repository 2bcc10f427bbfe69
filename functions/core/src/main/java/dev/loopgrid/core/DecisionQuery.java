package dev.loopgrid.core;

/**
 * Filters and paging of a decision list. Every filter may be null.
 *
 * @param since  inclusive lower bound on created_at (RFC 3339, normalised to the API's format)
 * @param until  inclusive upper bound on created_at
 * @param page   1-based page, used when {@code cursor} is null
 * @param cursor opaque cursor from a previous page's {@code next_cursor}
 */
public record DecisionQuery(String serviceName, String decisionType, DecisionStatus status, String since,
                            String until, int page, int pageSize, String cursor) {}
