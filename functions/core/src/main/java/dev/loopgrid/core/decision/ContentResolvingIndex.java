package dev.loopgrid.core.decision;

import java.util.ArrayList;
import java.util.List;
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
        return index.findDecision(tenant, decisionId).map(resolver::resolve);
    }

    @Override
    public DecisionPage listDecisions(String tenant, DecisionQuery query) {
        DecisionPage page = index.listDecisions(tenant, query);
        List<DecisionRecord> out = new ArrayList<>(page.decisions().size());
        for (DecisionRecord d : page.decisions()) out.add(resolver.resolve(d));
        return new DecisionPage(out, page.total(), page.hasMore(), page.nextCursor());
    }
}
