package dev.loopgrid.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ApiKeyStore} must do; run against the in-memory store and DynamoDB Local
 * ({@code DynamoApiKeyStoreContractTest}), so unit tests may use the fake.
 */
public abstract class ApiKeyStoreContract {
    protected abstract ApiKeyStore newStore();

    private static ApiKeyRecord rec(String id, String hash, String tenant, Role role, String created) {
        return new ApiKeyRecord(id, hash, "lg_abcdef", tenant, role, id.endsWith("n") ? null : "name " + id, created,
                "tester", null);
    }

    @Test
    void storedKeys_areFoundByHash_exactlyAsCreated() {
        ApiKeyStore s = newStore();
        ApiKeyRecord a = rec("key_aaaaaaaaaaaaaaaa", "a".repeat(64), "acme", Role.WRITER, "2026-11-24T10:00:00.000Z");
        ApiKeyRecord b = rec("key_bbbbbbbbbbbbbbbn", "b".repeat(64), "acme", Role.ADMIN, "2026-11-24T10:00:01.000Z");
        s.create(a);
        s.create(b);
        assertEquals(Optional.of(a), s.findByHash("a".repeat(64)));
        assertEquals(Optional.of(b), s.findByHash("b".repeat(64)));
        assertEquals(Optional.empty(), s.findByHash("c".repeat(64)));
    }

    @Test
    void list_isPerTenant_oldestFirst() {
        ApiKeyStore s = newStore();
        s.create(rec("key_2222222222222222", "2".repeat(64), "acme", Role.AUDITOR, "2026-11-24T10:00:02.000Z"));
        s.create(rec("key_1111111111111111", "1".repeat(64), "acme", Role.WRITER, "2026-11-24T10:00:01.000Z"));
        s.create(rec("key_3333333333333333", "3".repeat(64), "globex", Role.ADMIN, "2026-11-24T10:00:00.000Z"));
        assertEquals(List.of("key_1111111111111111", "key_2222222222222222"),
                s.list("acme").stream().map(ApiKeyRecord::keyId).toList());
        assertEquals(1, s.list("globex").size());
        assertEquals(List.of(), s.list("initech"));
    }

    @Test
    void revoke_marksBothViews_keepsTheFirstTime_andIsTenantScoped() {
        ApiKeyStore s = newStore();
        ApiKeyRecord a = rec("key_aaaaaaaaaaaaaaaa", "a".repeat(64), "acme", Role.WRITER, "2026-11-24T10:00:00.000Z");
        s.create(a);
        assertEquals(Optional.empty(), s.revoke("globex", a.keyId(), "2026-11-24T11:00:00.000Z"));
        assertEquals(Optional.empty(), s.revoke("acme", "key_zzzzzzzzzzzzzzzz", "2026-11-24T11:00:00.000Z"));
        assertEquals(Optional.of(a.revoke("2026-11-24T11:00:00.000Z")), s.revoke("acme", a.keyId(), "2026-11-24T11:00:00.000Z"));
        assertEquals(Optional.of(a.revoke("2026-11-24T11:00:00.000Z")), s.revoke("acme", a.keyId(), "2026-11-24T12:00:00.000Z"));
        assertEquals("2026-11-24T11:00:00.000Z", s.findByHash(a.keyHash()).orElseThrow().revokedAt());
        assertEquals("2026-11-24T11:00:00.000Z", s.list("acme").get(0).revokedAt());
    }

    @Test
    void create_refusesADuplicateHash() {
        ApiKeyStore s = newStore();
        s.create(rec("key_aaaaaaaaaaaaaaaa", "a".repeat(64), "acme", Role.WRITER, "2026-11-24T10:00:00.000Z"));
        assertThrows(RuntimeException.class, () -> s.create(
                rec("key_cccccccccccccccc", "a".repeat(64), "acme", Role.ADMIN, "2026-11-24T10:00:00.000Z")));
        assertEquals(Role.WRITER, s.findByHash("a".repeat(64)).orElseThrow().role(), "the first key is untouched");
    }

    @Test
    void concurrentRevocations_allAnswerTheSameRecord() throws Exception {
        ApiKeyStore s = newStore();
        ApiKeyRecord a = rec("key_aaaaaaaaaaaaaaaa", "a".repeat(64), "acme", Role.WRITER, "2026-11-24T10:00:00.000Z");
        s.create(a);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Optional<ApiKeyRecord>>> fs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String at = "2026-11-24T11:00:0" + i + ".000Z";
                fs.add(pool.submit(() -> s.revoke("acme", a.keyId(), at)));
            }
            List<ApiKeyRecord> answers = new ArrayList<>();
            for (Future<Optional<ApiKeyRecord>> f : fs) answers.add(f.get().orElseThrow());
            String stored = s.findByHash(a.keyHash()).orElseThrow().revokedAt();
            assertEquals(stored, s.list("acme").get(0).revokedAt(), "both views agree on the revocation time");
            for (ApiKeyRecord r : answers) {
                assertTrue(r.revoked());
                assertEquals(stored, r.revokedAt(), "every caller is told the one revocation time that was kept");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
