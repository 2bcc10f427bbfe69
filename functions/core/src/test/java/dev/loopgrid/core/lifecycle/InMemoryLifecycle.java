package dev.loopgrid.core.lifecycle;

import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.subject.KeyWrapper;
import dev.loopgrid.core.subject.SubjectKeyStore;
import dev.loopgrid.core.subject.SubjectState;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Test fixture: subjects' keys and the lifecycle's state in memory, with the conditions the DynamoDB writers put on
 * each {@link LifecycleChange} ({@code LifecycleWriters}), applied by {@code InMemoryLedgerStore} in its append.
 */
public final class InMemoryLifecycle implements SubjectKeyStore, LifecycleStore {
    private final Map<String, SubjectState> subjects = new HashMap<>();
    private final Map<String, Map<String, Hold>> holds = new HashMap<>();
    private final Map<String, Long> versions = new HashMap<>();
    private final Map<String, Integer> floors = new HashMap<>();
    private final Map<String, ScheduledErasure> schedules = new LinkedHashMap<>();

    /** A key wrapper for tests: the "wrapped" key is the key behind a tag (no secrecy; the contract is what counts). */
    public static final KeyWrapper WRAPPER = new KeyWrapper() {
        private final SecureRandom random = new SecureRandom();

        @Override
        public Generated generate(String tenant, String subjectId) {
            byte[] k = new byte[32];
            random.nextBytes(k);
            return new Generated(k, wrap(tenant, subjectId, k));
        }

        @Override
        public byte[] unwrap(String tenant, String subjectId, byte[] wrapped) {
            byte[] tag = (tenant + "/" + subjectId + "/").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (wrapped.length != tag.length + 32 || !java.util.Arrays.equals(tag, java.util.Arrays.copyOf(wrapped, tag.length))) {
                throw new IllegalStateException("wrapped for another subject");
            }
            return java.util.Arrays.copyOfRange(wrapped, tag.length, wrapped.length);
        }

        private byte[] wrap(String tenant, String subjectId, byte[] k) {
            byte[] tag = (tenant + "/" + subjectId + "/").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] out = java.util.Arrays.copyOf(tag, tag.length + 32);
            System.arraycopy(k, 0, out, tag.length, 32);
            return out;
        }
    };

    private static String key(String tenant, String subjectId) {
        return tenant + "#" + subjectId;
    }

    @Override
    public synchronized Optional<SubjectState> find(String tenant, String subjectId) {
        return Optional.ofNullable(subjects.get(key(tenant, subjectId)));
    }

    @Override
    public synchronized SubjectState create(String tenant, String subjectId, String keyId, byte[] wrappedKey,
                                            String service, String now) {
        return subjects.computeIfAbsent(key(tenant, subjectId), k -> new SubjectState(subjectId, keyId, wrappedKey, now,
                now, Set.of(service), null, null, null, 0, null));
    }

    @Override
    public synchronized void touch(String tenant, String subjectId, String service, String now) {
        SubjectState s = subjects.get(key(tenant, subjectId));
        if (s == null || s.erased()) return;
        Set<String> services = new HashSet<>(s.services());
        services.add(service);
        subjects.put(key(tenant, subjectId), new SubjectState(subjectId, s.keyId(), s.wrappedKey(), s.createdAt(), now,
                services, null, null, null, 0, s.scheduledFor()));
    }

    /** Moves a subject's last use (tests of the retention floor). */
    public synchronized void lastUsed(String tenant, String subjectId, String at) {
        SubjectState s = subjects.get(key(tenant, subjectId));
        subjects.put(key(tenant, subjectId), new SubjectState(subjectId, s.keyId(), s.wrappedKey(), at, at,
                s.services(), s.erasedAt(), s.erasureReason(), s.erasureRef(), s.erasureSequence(), s.scheduledFor()));
    }

    @Override
    public synchronized TenantState state(String tenant) {
        return new TenantState(versions.getOrDefault(tenant, 0L), floors.get(tenant));
    }

    @Override
    public synchronized List<Hold> holds(String tenant) {
        return new ArrayList<>(holds.getOrDefault(tenant, Map.of()).values());
    }

    @Override
    public synchronized List<ScheduledErasure> due(String now, int limit) {
        List<ScheduledErasure> out = new ArrayList<>();
        for (ScheduledErasure s : schedules.values()) {
            if (s.runAt().compareTo(now) <= 0 && out.size() < limit) out.add(s);
        }
        return out;
    }

    @Override
    public synchronized Optional<ScheduledErasure> scheduled(String tenant, String subjectId) {
        return Optional.ofNullable(schedules.get(key(tenant, subjectId)));
    }

    /** Whether the change's conditions fail (then the append is rejected, as a conditional transaction would be). */
    public synchronized boolean rejects(String tenant, LifecycleChange change) {
        if (change instanceof LifecycleChange.SubjectErased e) {
            SubjectState s = subjects.get(key(tenant, e.subjectId()));
            return s == null || s.wrappedKey() == null || !e.keyId().equals(s.keyId())
                    || !e.services().equals(s.services()) || versions.getOrDefault(tenant, 0L) != e.holdsVersion();
        }
        if (change instanceof LifecycleChange.HoldReleased r) {
            return !holds.getOrDefault(tenant, Map.of()).containsKey(r.holdId());
        }
        if (change instanceof LifecycleChange.ErasureScheduled s) {
            SubjectState st = subjects.get(key(tenant, s.schedule().subjectId()));
            return st == null || st.wrappedKey() == null;
        }
        return false;
    }

    /** Applies the change committed as {@code e}. */
    public synchronized void apply(String tenant, Entry e, LifecycleChange change) {
        if (change instanceof LifecycleChange.HoldPlaced p) {
            Hold h = p.hold();
            holds.computeIfAbsent(tenant, t -> new LinkedHashMap<>()).put(h.holdId(), new Hold(h.holdId(), h.scope(),
                    h.target(), h.subjectId(), h.reason(), h.caseRef(), h.placedBy(), e.recordedAt(), e.sequence()));
            versions.merge(tenant, 1L, Long::sum);
        } else if (change instanceof LifecycleChange.HoldReleased r) {
            holds.get(tenant).remove(r.holdId());
            versions.merge(tenant, 1L, Long::sum);
        } else if (change instanceof LifecycleChange.RetentionSet r) {
            floors.put(tenant, r.floorDays());
        } else if (change instanceof LifecycleChange.SubjectErased x) {
            SubjectState s = subjects.get(key(tenant, x.subjectId()));
            subjects.put(key(tenant, x.subjectId()), new SubjectState(x.subjectId(), s.keyId(), null, s.createdAt(),
                    s.lastUsedAt(), s.services(), e.recordedAt(), x.reason() != null ? x.reason() : x.requestRef(),
                    x.requestRef(), e.sequence(), null));
            schedules.remove(key(tenant, x.subjectId()));
        } else if (change instanceof LifecycleChange.ErasureScheduled s) {
            ScheduledErasure se = s.schedule();
            schedules.put(key(tenant, se.subjectId()), se);
            SubjectState st = subjects.get(key(tenant, se.subjectId()));
            subjects.put(key(tenant, se.subjectId()), new SubjectState(st.subjectId(), st.keyId(), st.wrappedKey(),
                    st.createdAt(), st.lastUsedAt(), st.services(), null, null, null, 0, se.runAt()));
        }
    }
}
