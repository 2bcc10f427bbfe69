package dev.loopgrid.core;

import dev.loopgrid.core.decision.ContentStore;

import dev.loopgrid.core.ledger.Canonical;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ContentStore} must have, run against the in-memory fake (core) and against S3Proxy
 * through the AWS SDK (local module), so the fake the unit tests use behaves like the S3 adapter.
 */
public abstract class ContentStoreContract {
    protected ContentStore store;

    /** A store over empty storage. */
    protected abstract ContentStore newStore();

    /** Replaces the bytes under {@code key} behind the store's back (tampering). */
    protected abstract void overwrite(String key, byte[] bytes);

    @BeforeEach
    void freshStore() {
        store = newStore();
    }

    private static byte[] content(String text) {
        return ("{\"output\":{\"response\":\"" + text + "\"}}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void put_keysTheObjectByTenantAndHash() {
        byte[] bytes = content("a");
        String hash = Canonical.sha256Hex(bytes);
        assertEquals("content/t1/" + hash + ".json", store.put("t1", hash, bytes));
        assertEquals(ContentStore.key("t1", hash), store.put("t1", hash, bytes));
        assertNotEquals(store.put("t1", hash, bytes), store.put("t2", hash, bytes), "tenants share no key");
    }

    @Test
    void get_returnsTheExactBytes_nonAsciiAndEscapesIncluded() {
        byte[] bytes = content("é ü 日本 😀 \\\"quoted\\\" \\n \\u0000");
        String key = store.put("t1", Canonical.sha256Hex(bytes), bytes);
        assertArrayEquals(bytes, store.get(key).orElseThrow());
    }

    @Test
    void put_again_isASuccess_andLeavesTheObjectAsItIs() {
        byte[] bytes = content("same");
        String hash = Canonical.sha256Hex(bytes);
        String key = store.put("t1", hash, bytes);
        assertEquals(key, store.put("t1", hash, bytes.clone()));
        assertArrayEquals(bytes, store.get(key).orElseThrow());
    }

    @Test
    void get_ofAKeyWithNoObject_isEmpty() {
        assertTrue(store.get(ContentStore.key("t1", "0".repeat(64))).isEmpty());
    }

    @Test
    void put_overAnObjectThatWasAltered_restoresTheBytesOfItsHash() {
        byte[] bytes = content("original");
        String hash = Canonical.sha256Hex(bytes);
        String key = store.put("t1", hash, bytes);
        overwrite(key, content("tampered"));
        assertArrayEquals(content("tampered"), store.get(key).orElseThrow(), "the store hands out what it holds");
        store.put("t1", hash, bytes);
        assertArrayEquals(bytes, store.get(key).orElseThrow());
    }

    @Test
    void put_andGet_ofFiveMebibytes() {
        byte[] bytes = new byte[5 * 1024 * 1024];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) ('a' + i % 26);
        String key = store.put("t1", Canonical.sha256Hex(bytes), bytes);
        assertArrayEquals(bytes, store.get(key).orElseThrow());
    }
}
