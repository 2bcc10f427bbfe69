package dev.loopgrid.core.subject;

import java.util.Set;

/**
 * What is stored about one data subject of a tenant: the wrapped data key their content is sealed under (gone once
 * erased), when it was created and last used (the retention floor counts from the latest use), the services their
 * decisions were recorded in (service holds block their erasure), and the erasure or scheduled erasure, if any.
 *
 * @param wrappedKey     the wrapped data key; null once erased
 * @param lastUsedAt     when a decision was last sealed under the key, to within {@link SubjectKeys#TOUCH_INTERVAL}
 * @param erasedAt       when the key was destroyed, or null
 * @param erasureReason  why (the erasure request's reason), or null
 * @param erasureRef     the erasure request's reference, or null
 * @param erasureSequence the erasure entry's sequence in the tenant's lifecycle chain, 0 when not erased
 * @param scheduledFor   when a scheduled erasure runs, or null
 */
public record SubjectState(String subjectId, String keyId, byte[] wrappedKey, String createdAt, String lastUsedAt,
                           Set<String> services, String erasedAt, String erasureReason, String erasureRef,
                           long erasureSequence, String scheduledFor) {
    public SubjectState {
        services = services == null ? Set.of() : Set.copyOf(services);
        wrappedKey = wrappedKey == null ? null : wrappedKey.clone();
    }

    @Override
    public byte[] wrappedKey() {
        return wrappedKey == null ? null : wrappedKey.clone();
    }

    public boolean erased() {
        return erasedAt != null;
    }
}
