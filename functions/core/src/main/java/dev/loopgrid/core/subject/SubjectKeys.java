package dev.loopgrid.core.subject;

import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.Times;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Data keys of data subjects: created on a subject's first decision, unwrapped through the {@link KeyWrapper} and
 * kept unwrapped in this process (bounded), and looked up again on every use: the store's item is read strongly
 * consistently each time, so a destroyed key stops opening content at once in every process, whatever their caches
 * hold.
 */
public final class SubjectKeys {
    /** A subject's last use is moved at most this often (the retention floor adds it as a margin). */
    public static final Duration TOUCH_INTERVAL = Duration.ofHours(1);
    /** Longest subject id. */
    public static final int MAX_SUBJECT_ID_LENGTH = 128;
    private static final int CACHE_ENTRIES = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SubjectKeyStore store;
    private final KeyWrapper wrapper;
    private final Clock clock;
    private final Map<String, byte[]> unwrapped = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    public SubjectKeys(SubjectKeyStore store, KeyWrapper wrapper, Clock clock) {
        this.store = store;
        this.wrapper = wrapper;
        this.clock = clock;
    }

    /** The key of a lookup: a usable key, or why there is none. */
    public sealed interface Lookup {
        record Usable(DataKey key) implements Lookup {}
        record Erased(SubjectState state) implements Lookup {}
        record Missing(String why) implements Lookup {}
    }

    /**
     * The key to seal a new decision of {@code subjectId} in {@code service} under, created on first use.
     *
     * @throws LedgerException.Conflict {@code subject_erased} when the subject was erased (their id is not reused)
     */
    public DataKey forSealing(String tenant, String subjectId, String service) {
        String now = Times.format(clock.instant());
        SubjectState state = store.find(tenant, subjectId).orElse(null);
        if (state == null || state.wrappedKey() == null && !state.erased()) {
            KeyWrapper.Generated g = wrapper.generate(tenant, subjectId);
            String keyId = newKeyId();
            state = store.create(tenant, subjectId, keyId, g.wrapped(), service, now);
            if (state.keyId() != null && state.keyId().equals(keyId)) {
                remember(tenant, subjectId, keyId, g.plaintext());
                return new DataKey(keyId, g.plaintext());
            }
        }
        if (state.erased()) {
            throw new LedgerException.Conflict("subject_erased", "Data subject \"" + subjectId + "\" was erased at "
                    + state.erasedAt() + "; their id is not reused: record new decisions under a new subject_id");
        }
        if (!state.services().contains(service) || stale(state.lastUsedAt())) {
            store.touch(tenant, subjectId, service, now);
        }
        return unwrap(tenant, state);
    }

    /**
     * The key that opens content sealed under {@code keyId} for {@code subjectId} (null: the subject's current key),
     * if it still exists.
     */
    public Lookup forOpening(String tenant, String subjectId, String keyId) {
        Optional<SubjectState> found = store.find(tenant, subjectId);
        if (found.isEmpty()) return new Lookup.Missing("no key is stored for data subject " + subjectId);
        SubjectState state = found.get();
        if (state.erased()) {
            forget(tenant, subjectId);
            return new Lookup.Erased(state);
        }
        if (state.wrappedKey() == null || keyId != null && !keyId.equals(state.keyId())) {
            return new Lookup.Missing("the key " + keyId + " of data subject " + subjectId + " is not stored");
        }
        return new Lookup.Usable(unwrap(tenant, state));
    }

    /** Drops the subject's unwrapped key from this process (after an erasure). */
    public void forget(String tenant, String subjectId) {
        String prefix = tenant + '\0' + subjectId + '\0';
        synchronized (unwrapped) {
            unwrapped.keySet().removeIf(k -> k.startsWith(prefix));
        }
    }

    /** The subject's stored state, or empty. */
    public Optional<SubjectState> state(String tenant, String subjectId) {
        return store.find(tenant, subjectId);
    }

    private boolean stale(String lastUsedAt) {
        if (lastUsedAt == null) return true;
        try {
            return Instant.parse(lastUsedAt).plus(TOUCH_INTERVAL).isBefore(clock.instant());
        } catch (RuntimeException e) {
            return true;
        }
    }

    private DataKey unwrap(String tenant, SubjectState state) {
        String cacheKey = tenant + '\0' + state.subjectId() + '\0' + state.keyId();
        byte[] secret;
        synchronized (unwrapped) {
            secret = unwrapped.get(cacheKey);
        }
        if (secret == null) {
            secret = wrapper.unwrap(tenant, state.subjectId(), state.wrappedKey());
            remember(tenant, state.subjectId(), state.keyId(), secret);
        }
        return new DataKey(state.keyId(), secret);
    }

    private void remember(String tenant, String subjectId, String keyId, byte[] secret) {
        synchronized (unwrapped) {
            unwrapped.put(tenant + '\0' + subjectId + '\0' + keyId, secret.clone());
        }
    }

    private static String newKeyId() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return "dk_" + HexFormat.of().formatHex(b);
    }
}
