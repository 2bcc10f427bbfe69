package dev.loopgrid.core.lifecycle;

import java.util.List;
import java.util.Optional;

/**
 * Reads of the lifecycle's state: holds in place, the tenant's retention floor and erasures scheduled. Every write
 * is a ledger append to the tenant's lifecycle chain with a {@link LifecycleChange} in the same transaction.
 */
public interface LifecycleStore {

    /**
     * The tenant's lifecycle state: {@code version} moves with every hold placed or released, so an erasure that
     * checked the holds at one version commits only if it is still that version.
     */
    TenantState state(String tenant);

    /** The holds in place, oldest first. */
    List<Hold> holds(String tenant);

    /** Scheduled erasures due at {@code now} or before, across tenants, at most {@code limit}. */
    List<ScheduledErasure> due(String now, int limit);

    /** The scheduled erasure of a subject, if one is pending. */
    Optional<ScheduledErasure> scheduled(String tenant, String subjectId);

    /** @param floorDays the tenant's retention floor in days, null for the default */
    record TenantState(long version, Integer floorDays) {}

    /** An erasure that runs at {@code runAt}, as it was requested. */
    record ScheduledErasure(String tenant, String subjectId, String runAt, String reason, String requestRef,
                            String requestedBy) {}
}
