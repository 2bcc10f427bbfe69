package dev.loopgrid.core.decision;

import java.util.Optional;

/**
 * A {@link DecisionIndex} whose reads fill in content that lives in the {@link ContentStore} (large decisions),
 * checked against its hash by the {@link ContentResolver}: what the API serves never differs from what was hashed.
 */
public final class ContentResolvingIndex implements DecisionIndex {
    private final DecisionIndex index;
    private final ContentResolver resolver;

    public ContentResolvingIndex(DecisionIndex index, ContentResolver resolver) {
        this.index = index;
        this.resolver = resolver;
    }

    @Override
    public Optional<DecisionRecord> findDecision(String tenant, String decisionId) {
        return index.findDecision(tenant, decisionId).map(d -> resolver.resolve(tenant, d));
    }

    /** Unresolved: what it serves is compared, not shown. */
    @Override
    public Optional<DecisionRecord> findProjection(String tenant, String decisionId) {
        return index.findProjection(tenant, decisionId);
    }

    @Override
    public DecisionPage listDecisions(String tenant, DecisionQuery query) {
        DecisionPage page = index.listDecisions(tenant, query);
        return new DecisionPage(resolver.resolve(tenant, page.decisions()), page.total(), page.hasMore(),
                page.nextCursor());
    }
}
