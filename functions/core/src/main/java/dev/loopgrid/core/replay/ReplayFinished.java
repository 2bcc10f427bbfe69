package dev.loopgrid.core.replay;

import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.ProjectionChange;
import java.util.Map;

/**
 * A finished replay: its item moves from running (claimed by {@code attempt}) to {@code result}'s final state in the
 * same transaction as its {@code replay} entry. A duplicate worker run finds the condition failed.
 */
public record ReplayFinished(ReplayRecord result, int attempt) implements ProjectionChange {

    /** Replays of the chain by final status, e.g. {@code replays:completed}. */
    public static String counter(ReplayStatus status) {
        return "replays:" + status.wire();
    }

    @Override
    public String projectionKey() {
        return "R" + result.replayId();
    }

    /** The replay item holds the result's output, about as large as the entry's content. */
    @Override
    public int approximateBytes(int storedContentBytes) {
        return storedContentBytes;
    }

    @Override
    public Map<String, Long> counterDeltas(Entry entry) {
        return Map.of(counter(result.status()), 1L);
    }
}
