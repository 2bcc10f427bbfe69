package dev.loopgrid.core.log;

import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The envelopes of the entries this process appended most recently (no content), so a receipt asked for right after
 * its record needs no read of the entry or of the decision's projection: where the ledger and the receipts run in one
 * process (the local stack) that is two reads fewer per receipt. An entry's envelope never changes once appended
 * (erasure destroys content, never hashes), so a copy is never stale. Bounded: the oldest go first.
 */
public final class RecentEntries {
    /** Envelopes kept at most (a few hundred bytes each). */
    public static final int DEFAULT_CAPACITY = 16_384;

    /** Where a decision's own entry is. */
    public record Position(String chainId, long sequence) {}

    private record Held(String tenant, Entry envelope) {}

    private final int capacity;
    private final LinkedHashMap<String, Held> entries;
    private final Map<String, Position> decisions = new java.util.HashMap<>();

    public RecentEntries(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1");
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(256, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Held> eldest) {
                if (size() <= RecentEntries.this.capacity) return false;
                Entry e = eldest.getValue().envelope();
                if (e.type() != null && e.type().isDecision()) {
                    decisions.remove(eldest.getValue().tenant() + '\n' + e.decisionId());
                }
                return true;
            }
        };
    }

    /** Keeps the envelopes of {@code appended}, just committed to {@code chain}. */
    public void appended(ChainKey chain, List<Entry> appended) {
        synchronized (entries) {
            for (Entry e : appended) {
                Entry envelope = new Entry(e.chainId(), e.sequence(), e.type(), e.id(), e.decisionId(), e.recordedAt(),
                        null, e.contentHash(), e.previousHash(), e.chainHash(), null);
                entries.put(key(chain.tenant(), e.chainId(), e.sequence()), new Held(chain.tenant(), envelope));
                if (e.type() != null && e.type().isDecision() && e.decisionId() != null) {
                    decisions.put(chain.tenant() + '\n' + e.decisionId(), new Position(e.chainId(), e.sequence()));
                }
            }
        }
    }

    /** The envelope of entry {@code sequence} of the tenant's chain, if this process appended it recently. */
    public Optional<Entry> entry(String tenant, String chainId, long sequence) {
        synchronized (entries) {
            Held h = entries.get(key(tenant, chainId, sequence));
            return h == null ? Optional.empty() : Optional.of(h.envelope());
        }
    }

    /** Where the tenant's decision {@code decisionId} was appended, if by this process recently. */
    public Optional<Position> decision(String tenant, String decisionId) {
        synchronized (entries) {
            return Optional.ofNullable(decisions.get(tenant + '\n' + decisionId));
        }
    }

    private static String key(String tenant, String chainId, long sequence) {
        return tenant + '\n' + chainId + '\n' + sequence;
    }
}
