package dev.loopgrid.core.lifecycle;

import dev.loopgrid.core.ledger.ProjectionChange;
import java.util.Set;

/**
 * What the lifecycle's entries change beside the chain, in the same transaction. Every change that reads or moves
 * the tenant's hold state shares the projection key {@code "L"}, so no two share a transaction; a change made on a
 * stale view of the holds (the version moved) is refused by its condition and retried on a fresh one.
 */
public sealed interface LifecycleChange extends ProjectionChange {

    @Override
    default int approximateBytes(int storedContentBytes) {
        return 2048;
    }

    /** A hold is placed: its item is written and the tenant's hold version moves. */
    record HoldPlaced(Hold hold) implements LifecycleChange {
        @Override
        public String projectionKey() {
            return "L";
        }
    }

    /** A hold is released: its item is deleted (it must exist) and the hold version moves. */
    record HoldReleased(String holdId) implements LifecycleChange {
        @Override
        public String projectionKey() {
            return "L";
        }
    }

    /** The tenant's retention floor is set. */
    record RetentionSet(int floorDays) implements LifecycleChange {
        @Override
        public String projectionKey() {
            return "L";
        }
    }

    /**
     * The subject's key is destroyed: on condition that it still exists, that the hold version is still
     * {@code holdsVersion} and the subject's services are still {@code services} (what the hold check saw); a
     * scheduled erasure's due item ({@code scheduledRunAt}, null when none) goes with it.
     */
    record SubjectErased(String subjectId, String keyId, long holdsVersion, Set<String> services, String reason,
                         String requestRef, String scheduledRunAt) implements LifecycleChange {
        public SubjectErased {
            services = Set.copyOf(services);
        }

        @Override
        public String projectionKey() {
            return "L";
        }
    }

    /** An erasure is scheduled: the subject's item notes when, and a due item lets the sweeper find it. */
    record ErasureScheduled(LifecycleStore.ScheduledErasure schedule, String previousRunAt) implements LifecycleChange {
        @Override
        public String projectionKey() {
            return "S" + schedule.subjectId();
        }
    }
}
