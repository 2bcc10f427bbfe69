package dev.loopgrid.core.decision;

import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.StoreException;
import java.util.Optional;

/**
 * The decisions' read model: one projection per decision, written with its entries ({@link NewDecision},
 * {@link StatusChange}) and read here. Content stored under a key ({@link DecisionRecord#contentKey()}) is not read
 * by this port: it comes back null ({@link ContentResolvingIndex} fills it in). Every method may throw
 * {@link StoreException.Unavailable}.
 */
public interface DecisionIndex {

    /** A decision's projection, or empty (also when it belongs to another tenant). */
    Optional<DecisionRecord> findDecision(String tenant, String decisionId);

    /**
     * As {@link #findDecision}, except that the content may come back null where reading it costs a read of its own
     * (the DynamoDB projection leaves it in the decision's entry): for callers that compare sequences, hashes and
     * statuses only, as verification does for every decision of a chain.
     */
    default Optional<DecisionRecord> findProjection(String tenant, String decisionId) {
        return findDecision(tenant, decisionId);
    }

    /**
     * One page of decisions, newest first: at most {@code pageSize}, and it ends early (with {@code hasMore} and a
     * {@code nextCursor} to the decision it left out) before the decision that would take the page's
     * {@link DecisionQuery#servedBytes} past {@link DecisionQuery#PAGE_BYTES}; a page always holds at least one.
     * {@code total} is exact (from the chain counters, or counted when a time range is given).
     *
     * @throws LedgerException.Malformed when the cursor is not one this index issued for these filters
     */
    DecisionPage listDecisions(String tenant, DecisionQuery query);
}
