package dev.loopgrid.core.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.ledger.Times;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ReplayRecoveryTest {
    private static final long NOW = Instant.parse("2026-01-01T12:00:00Z").toEpochMilli();
    private static final long GRACE = 120_000;

    private final FakeStore store = new FakeStore();
    private final List<String> queued = new ArrayList<>();
    private final WorkQueue queue = new WorkQueue() {
        @Override
        public void enqueue(String tenant, String replayId) {
            queued.add(tenant + "/" + replayId);
        }

        @Override
        public void retryLater(String deliveryHandle, int delaySeconds) {}
    };
    private final ReplayRecovery recovery =
            new ReplayRecovery(store, queue, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC), GRACE);

    @Test
    void sweep_requeuesPendingAndExpiredRunning_closesFinished_leavesLiveLeasesAndYoungReplays() {
        store.add("t", "rep_pending", NOW - 600_000, ReplayStatus.PENDING, 0, 0);
        store.add("t", "rep_expired", NOW - 600_000, ReplayStatus.RUNNING, 1, NOW - 1);
        store.add("t", "rep_live", NOW - 600_000, ReplayStatus.RUNNING, 1, NOW + 30_000);
        store.add("u", "rep_done", NOW - 600_000, ReplayStatus.COMPLETED, 1, 0);
        store.add("t", "rep_young", NOW - 10_000, ReplayStatus.PENDING, 0, 0);

        ReplayRecovery.Sweep s = recovery.sweep();

        assertEquals(List.of("t/rep_expired", "t/rep_pending"), queued);
        assertEquals(4, s.examined());
        assertEquals(1, s.closed());
        assertEquals(1, s.leased());
        assertTrue(s.complete());
        assertFalse(store.open.containsValue("rep_done"), "a finished replay leaves the index");
        assertEquals(ReplayStatus.RUNNING, store.replays.get("rep_live").status(), "a live lease is not touched");
    }

    @Test
    void afterRestart_releasesOrphanedLeases_andRequeuesEverythingOpenFromBeforeTheStart() {
        store.add("t", "rep_live", NOW - 20_000, ReplayStatus.RUNNING, 2, NOW + 30_000);
        store.add("t", "rep_pending", NOW - 10_000, ReplayStatus.PENDING, 0, 0);
        store.add("t", "rep_after_start", NOW + 1, ReplayStatus.PENDING, 0, 0);

        ReplayRecovery.Sweep s = recovery.afterRestart(NOW);

        assertEquals(List.of("t/rep_live", "t/rep_pending"), queued);
        assertEquals(1, s.released());
        assertEquals(ReplayStatus.PENDING, store.replays.get("rep_live").status());
    }

    @Test
    void anUnavailableQueue_stopsTheSweep_andSaysSo() {
        store.add("t", "rep_pending", NOW - 600_000, ReplayStatus.PENDING, 0, 0);
        ReplayRecovery broken = new ReplayRecovery(store, new WorkQueue() {
            @Override
            public void enqueue(String tenant, String replayId) {
                throw new StoreException.Unavailable("queue down", null);
            }

            @Override
            public void retryLater(String deliveryHandle, int delaySeconds) {}
        }, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC), GRACE);

        assertFalse(broken.sweep().complete());
        assertTrue(store.open.containsValue("rep_pending"), "still in the index for the next sweep");
    }

    /** Replays by id and the open index by (created_at, id), paged two at a time. */
    private static final class FakeStore implements ReplayStore {
        final Map<String, ReplayRecord> replays = new LinkedHashMap<>();
        final Map<String, String> tenants = new LinkedHashMap<>();
        final TreeMap<String, String> open = new TreeMap<>();

        void add(String tenant, String id, long createdAt, ReplayStatus status, int attempts, long leaseUntil) {
            String at = Times.format(createdAt);
            replays.put(id, new ReplayRecord(id, "dec_1", "c", at, "api", null, status, null, null, false, null, null,
                    null, null, null, null, null, null, null, null, null, attempts, leaseUntil, 0, null));
            tenants.put(id, tenant);
            open.put(at + "#" + id, id);
        }

        @Override
        public OpenPage listOpen(String createdBefore, int limit, String cursor) {
            List<OpenReplay> out = new ArrayList<>();
            String last = null;
            for (Map.Entry<String, String> e : (cursor == null ? open : open.tailMap(cursor, false)).entrySet()) {
                if (e.getKey().compareTo(createdBefore) >= 0) break;
                if (out.size() == 2) return new OpenPage(out, last);
                ReplayRecord r = replays.get(e.getValue());
                out.add(new OpenReplay(tenants.get(r.replayId()), r.replayId(), r.createdAt()));
                last = e.getKey();
            }
            return new OpenPage(out, null);
        }

        @Override
        public void closeOpen(OpenReplay r) {
            open.remove(r.createdAt() + "#" + r.replayId());
        }

        @Override
        public Optional<ReplayRecord> find(String tenant, String replayId) {
            return Optional.ofNullable(replays.get(replayId));
        }

        @Override
        public void release(String tenant, String replayId, int attempt, String error) {
            ReplayRecord r = replays.get(replayId);
            if (r.status() == ReplayStatus.RUNNING && r.attempts() == attempt) {
                replays.put(replayId, new ReplayRecord(r.replayId(), r.decisionId(), r.chainId(), r.createdAt(),
                        r.triggeredBy(), null, ReplayStatus.PENDING, null, null, false, null, null, null, null, null,
                        null, null, null, null, error, null, r.attempts(), 0, 0, null));
            }
        }

        @Override
        public void create(String tenant, ReplayRecord replay) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ReplayPage listByDecision(String tenant, String decisionId, int limit, String cursor) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<ReplayRecord> claim(String tenant, String replayId, long nowMillis, long leaseUntilMillis) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void failUnqueued(String tenant, String replayId, String error, String at) {
            throw new UnsupportedOperationException();
        }
    }
}
