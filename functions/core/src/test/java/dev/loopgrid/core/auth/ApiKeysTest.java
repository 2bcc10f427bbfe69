package dev.loopgrid.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
    private final ApiKeyStore store = ApiKeyStore.inMemory();
    private final ApiKeys keys = new ApiKeys(store, Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneOffset.UTC));

    @Test
    void createdKeys_areRandom256Bit_andOnlyTheirHashIsStored() {
        Set<String> secrets = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            ApiKeys.Created c = keys.create("acme", Role.WRITER, "ci", "test");
            assertTrue(c.secret().matches("lg_[A-Za-z0-9_-]{43}"), c.secret());
            assertTrue(secrets.add(c.secret()), "keys repeat");
            ApiKeyRecord stored = store.findByHash(ApiKeys.hash(c.secret())).orElseThrow();
            assertEquals(c.record(), stored);
            assertFalse(stored.toString().contains(c.secret().substring(3)), "the secret is not in the record");
            assertEquals(c.secret().substring(0, ApiKeys.SHOWN_PREFIX), stored.prefix());
            assertTrue(stored.keyId().matches("key_[A-Za-z0-9_-]{16}"), stored.keyId());
        }
        assertEquals("2026-11-24T10:00:00.000Z", keys.list("acme").get(0).createdAt());
    }

    @Test
    void authenticate_acceptsBearerOrXApiKey_andNamesTheTenantAndRole() {
        ApiKeys.Created c = keys.create("acme", Role.REVIEWER, null, "test");
        Principal expected = new Principal("acme", Role.REVIEWER, c.record().keyId());
        assertEquals(expected, keys.authenticate("Bearer " + c.secret(), null));
        assertEquals(expected, keys.authenticate("bearer   " + c.secret() + " ", null));
        assertEquals(expected, keys.authenticate(null, c.secret()));
        assertEquals(expected, keys.authenticate("Bearer " + c.secret(), c.secret()));
    }

    @Test
    void authenticate_refusesMissingMalformedUnknownConflictingAndRevokedKeys() {
        ApiKeys.Created c = keys.create("acme", Role.ADMIN, null, "test");
        ApiKeys.Created other = keys.create("acme", Role.ADMIN, null, "test");
        String unknown = "lg_" + "A".repeat(43);
        List<String[]> bad = List.of(
                new String[] {null, null}, new String[] {"", " "}, new String[] {"Basic dXNlcjpwYXNz", null},
                new String[] {"Bearer", null}, new String[] {"Bearer short", null}, new String[] {null, unknown},
                new String[] {"Bearer " + c.secret() + "x", null}, new String[] {"Bearer " + c.secret(), other.secret()},
                new String[] {null, c.secret().toUpperCase()});
        for (String[] b : bad) {
            LedgerException.Unauthorized e = assertThrows(LedgerException.Unauthorized.class,
                    () -> keys.authenticate(b[0], b[1]), String.join("|", String.valueOf(b[0]), String.valueOf(b[1])));
            assertEquals("unauthorized", e.code());
            assertFalse(e.detail().contains(c.secret()), "the detail never echoes a key");
        }
        keys.revoke("acme", c.record().keyId());
        LedgerException.Unauthorized revoked = assertThrows(LedgerException.Unauthorized.class,
                () -> keys.authenticate(null, c.secret()));
        assertTrue(revoked.detail().contains("revoked"), revoked.detail());
        assertEquals("acme", keys.authenticate(null, other.secret()).tenant(), "other keys keep working");
    }

    @Test
    void revoke_isTenantScoped_andIdempotent() {
        ApiKeys.Created c = keys.create("acme", Role.WRITER, null, "test");
        String id = c.record().keyId();
        LedgerException.NotFound foreign = assertThrows(LedgerException.NotFound.class, () -> keys.revoke("globex", id));
        LedgerException.NotFound unknown = assertThrows(LedgerException.NotFound.class,
                () -> keys.revoke("acme", "key_AAAAAAAAAAAAAAAA"));
        assertEquals(foreign.detail().replace(id, "X"), unknown.detail().replace("key_AAAAAAAAAAAAAAAA", "X"),
                "another tenant's key looks exactly like an unknown one");
        assertThrows(LedgerException.NotFound.class, () -> keys.revoke("acme", "../" + id));
        ApiKeyRecord first = keys.revoke("acme", id);
        assertTrue(first.revoked());
        assertEquals(first, keys.revoke("acme", id));
        assertEquals(1, keys.list("acme").size());
        assertEquals(0, keys.list("globex").size());
    }

    @Test
    void create_fromAnAdminRequest_validatesRoleNameAndTenant() {
        Principal admin = new Principal("acme", Role.ADMIN, "key_x");
        ApiKeys.Created c = keys.create(admin, Json.parse("{\"role\": \"auditor\", \"name\": \"q3 audit\"}"));
        assertEquals(Role.AUDITOR, c.record().role());
        assertEquals("acme", c.record().tenant());
        assertEquals("key_x", c.record().createdBy());
        for (String body : List.of("{}", "{\"role\": \"root\"}", "{\"role\": 1}", "{\"role\": \"ADMIN\"}",
                "{\"role\": \"writer\", \"name\": 5}", "{\"role\": \"writer\", \"name\": \"" + "n".repeat(101) + "\"}",
                "{\"role\": \"writer\", \"tenant\": \"globex\"}", "[]")) {
            LedgerException.Invalid e = assertThrows(LedgerException.Invalid.class,
                    () -> keys.create(admin, Json.parse(body)), body);
            assertFalse(e.errors().isEmpty(), body);
        }
        assertEquals(1, keys.list("acme").size(), "nothing created by invalid requests");
        assertThrows(LedgerException.Invalid.class, () -> keys.create("Bad#Tenant", Role.ADMIN, null, "t"));
        assertThrows(LedgerException.Invalid.class, () -> keys.create("", Role.ADMIN, null, "t"));
    }

    @Test
    void cache_servesVerifiedKeysForItsTtl_thenReadsTheStoreAgain() {
        AtomicInteger reads = new AtomicInteger();
        ApiKeyStore counting = new ApiKeyStore() {
            @Override public void create(ApiKeyRecord key) { store.create(key); }
            @Override public java.util.Optional<ApiKeyRecord> findByHash(String h) { reads.incrementAndGet(); return store.findByHash(h); }
            @Override public List<ApiKeyRecord> list(String t) { return store.list(t); }
            @Override public java.util.Optional<ApiKeyRecord> revoke(String t, String k, String at) { return store.revoke(t, k, at); }
        };
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-24T10:00:00Z"));
        Clock clock = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId z) { return this; }
            @Override public Instant instant() { return now.get(); }
        };
        ApiKeys cached = new ApiKeys(counting, clock, Duration.ofSeconds(60));
        ApiKeys.Created c = cached.create("acme", Role.WRITER, null, "t");
        for (int i = 0; i < 5; i++) cached.authenticate(null, c.secret());
        assertEquals(1, reads.get(), "one read, then the cache");
        // revoked through another instance (another container): this cache still serves it until the TTL ends
        keys.revoke("acme", c.record().keyId());
        assertEquals("acme", cached.authenticate(null, c.secret()).tenant());
        now.set(now.get().plusSeconds(61));
        assertThrows(LedgerException.Unauthorized.class, () -> cached.authenticate(null, c.secret()));
        assertEquals(2, reads.get());
        // a revocation through the same instance takes effect at once
        ApiKeys.Created d = cached.create("acme", Role.WRITER, null, "t");
        cached.authenticate(null, d.secret());
        cached.revoke("acme", d.record().keyId());
        assertThrows(LedgerException.Unauthorized.class, () -> cached.authenticate(null, d.secret()));
        assertNotEquals(c.secret(), d.secret());
    }
}
