package dev.loopgrid.core;

import dev.loopgrid.core.decision.ContentStore;

import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.StoreException;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link ContentStore} in memory with the S3 adapter's semantics (test scope): content-addressed keys, a repeated
 * put of the same bytes leaves the object alone, a put over an object that no longer holds its hash's bytes restores
 * them. Tests can tamper with objects, delete them, and make the store fail.
 */
public final class InMemoryContentStore implements ContentStore {
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    /** Puts that wrote an object (not the ones that found it there already). */
    public final AtomicInteger writes = new AtomicInteger();
    public final AtomicInteger puts = new AtomicInteger();
    public final AtomicInteger gets = new AtomicInteger();
    private volatile boolean failing;

    @Override
    public String put(String tenant, String contentHash, byte[] canonicalUtf8) {
        puts.incrementAndGet();
        if (failing) throw new StoreException.Unavailable("scripted: content store down", null);
        String key = ContentStore.key(tenant, contentHash);
        byte[] existing = objects.get(key);
        if (existing == null || !Canonical.sha256Hex(existing).equals(contentHash)) {
            objects.put(key, canonicalUtf8.clone());
            writes.incrementAndGet();
        }
        return key;
    }

    @Override
    public Optional<byte[]> get(String key) {
        gets.incrementAndGet();
        if (failing) throw new StoreException.Unavailable("scripted: content store down", null);
        byte[] b = objects.get(key);
        return b == null ? Optional.empty() : Optional.of(b.clone());
    }

    /** Every operation fails with {@link StoreException.Unavailable} while set. */
    public void failing(boolean failing) {
        this.failing = failing;
    }

    /** Replaces the object's bytes, as someone with write access to the bucket could. */
    public void overwrite(String key, byte[] bytes) {
        objects.put(key, bytes.clone());
    }

    public void delete(String key) {
        objects.remove(key);
    }

    public int size() {
        return objects.size();
    }

    public Optional<byte[]> peek(String key) {
        return Optional.ofNullable(objects.get(key));
    }
}
