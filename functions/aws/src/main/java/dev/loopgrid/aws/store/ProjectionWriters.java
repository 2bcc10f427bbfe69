package dev.loopgrid.aws.store;

import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.ProjectionChange;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/** The {@link ProjectionWriter}s of a chain store, looked up by the change's type. */
public final class ProjectionWriters {
    private final Map<Class<?>, ProjectionWriter<?>> byType = new HashMap<>();

    public ProjectionWriters(List<ProjectionWriter<?>> writers) {
        for (ProjectionWriter<?> w : writers) {
            if (byType.put(w.changeType(), w) != null) {
                throw new IllegalArgumentException("two writers for " + w.changeType().getName());
            }
        }
    }

    /** Every change the application appends: new decisions, verdicts, finished replays, lifecycle steps. */
    public static ProjectionWriters standard() {
        return new ProjectionWriters(List.of(new NewDecisionWriter(), new StatusChangeWriter(), new ReplayFinishedWriter(),
                new LifecycleWriters.HoldPlacedWriter(), new LifecycleWriters.HoldReleasedWriter(),
                new LifecycleWriters.RetentionSetWriter(), new LifecycleWriters.SubjectErasedWriter(),
                new LifecycleWriters.ErasureScheduledWriter()));
    }

    /** Whether a writer handles {@code changeType}. */
    public boolean handles(Class<? extends ProjectionChange> changeType) {
        return byType.containsKey(changeType);
    }

    /**
     * The item that applies {@code change}.
     *
     * @throws IllegalStateException no writer handles the change's type (a bug: nothing is written)
     */
    List<TransactWriteItem> write(String table, String tenant, Entry entry, ProjectionChange change) {
        ProjectionWriter<?> w = byType.get(change.getClass());
        if (w == null) {
            throw new IllegalStateException("no projection writer for " + change.getClass().getName());
        }
        return apply(w, table, tenant, entry, change);
    }

    private static <C extends ProjectionChange> List<TransactWriteItem> apply(ProjectionWriter<C> w, String table, String tenant,
                                                                         Entry entry, ProjectionChange change) {
        return w.write(table, tenant, entry, w.changeType().cast(change));
    }
}
