package dev.loopgrid.core.decision;

import java.util.List;

/** One page of a decision list, newest first, with the exact total of decisions matching the filters. */
public record DecisionPage(List<DecisionRecord> decisions, long total, boolean hasMore, String nextCursor) {}
