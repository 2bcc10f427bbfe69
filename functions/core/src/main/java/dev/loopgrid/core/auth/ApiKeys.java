package dev.loopgrid.core.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.Times;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * API keys: creation (the secret is returned once and only its SHA-256 is stored), authentication of a
 * presented key, listing without secrets, revocation.
 *
 * <p>A key is {@code lg_} followed by 43 base64url characters: 256 random bits. Because keys are random and
 * long, a plain SHA-256 is the right storage hash (a slow password hash protects guessable secrets; nobody
 * can guess 256 bits), and it lets authentication be a single read by hash.
 *
 * <p>{@link #authenticate} can cache verified keys for a short time ({@code cacheTtl}); the Lambda authorizer
 * does, so a warm authorizer answers without reading the table, and a revocation takes effect within the TTL.
 */
public final class ApiKeys {
    public static final String KEY_PREFIX = "lg_";
    /** Characters of the key shown in listings ({@code lg_} + 6). */
    public static final int SHOWN_PREFIX = 9;
    public static final int MAX_NAME_LENGTH = 100;
    /** Tenant names become part of every storage key, so they are restricted to a safe alphabet. */
    public static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern KEY = Pattern.compile("lg_[A-Za-z0-9_-]{43}");
    private static final Pattern KEY_ID = Pattern.compile("key_[A-Za-z0-9_-]{16}");
    private static final int CACHE_MAX = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new key: its record and the secret, which is shown once and never stored. */
    public record Created(ApiKeyRecord record, String secret) {}

    private record Cached(Principal principal, long expiresAtMillis) {}

    private final ApiKeyStore store;
    private final Clock clock;
    private final long cacheTtlMillis;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public ApiKeys(ApiKeyStore store, Clock clock, Duration cacheTtl) {
        this.store = store;
        this.clock = clock;
        this.cacheTtlMillis = cacheTtl.toMillis();
    }

    public ApiKeys(ApiKeyStore store, Clock clock) {
        this(store, clock, Duration.ZERO);
    }

    // ------------------------------------------------------------------ authentication

    /**
     * The principal of a request from its {@code Authorization} and {@code X-Api-Key} header values.
     *
     * @throws LedgerException.Unauthorized no key, a malformed key, an unknown key or a revoked key
     */
    public Principal authenticate(String authorization, String xApiKey) {
        return authenticateKey(presentedKey(authorization, xApiKey));
    }

    /** The key a request presents: {@code Authorization: Bearer <key>} or {@code X-Api-Key: <key>}. */
    public static String presentedKey(String authorization, String xApiKey) {
        String bearer = null;
        if (authorization != null && !authorization.isBlank()) {
            String a = authorization.strip();
            int sp = a.indexOf(' ');
            if (sp < 0 || !a.substring(0, sp).equalsIgnoreCase("Bearer")) {
                throw new LedgerException.Unauthorized(
                        "Authorization header must be \"Bearer <api key>\" (or send the key in X-Api-Key)");
            }
            bearer = a.substring(sp + 1).strip();
        }
        String header = xApiKey == null || xApiKey.isBlank() ? null : xApiKey.strip();
        if (bearer != null && header != null && !bearer.equals(header)) {
            throw new LedgerException.Unauthorized("Authorization and X-Api-Key carry different keys; send one");
        }
        String key = bearer != null ? bearer : header;
        if (key == null) {
            throw new LedgerException.Unauthorized(
                    "An API key is required: send \"Authorization: Bearer <api key>\" or \"X-Api-Key: <api key>\"");
        }
        return key;
    }

    /** The principal of a presented key. */
    public Principal authenticateKey(String key) {
        if (!KEY.matcher(key).matches()) {
            throw new LedgerException.Unauthorized("Invalid API key: not a LoopGrid key (expected lg_ and 43 characters)");
        }
        String hash = hash(key);
        long now = clock.millis();
        if (cacheTtlMillis > 0) {
            Cached c = cache.get(hash);
            if (c != null && c.expiresAtMillis() > now) return c.principal();
        }
        Optional<ApiKeyRecord> rec = store.findByHash(hash);
        if (rec.isEmpty()) throw new LedgerException.Unauthorized("Invalid API key: unknown key");
        ApiKeyRecord r = rec.get();
        if (r.revoked()) throw new LedgerException.Unauthorized("Invalid API key: revoked at " + r.revokedAt());
        Principal p = new Principal(r.tenant(), r.role(), r.keyId());
        if (cacheTtlMillis > 0) {
            if (cache.size() >= CACHE_MAX) cache.clear();
            cache.put(hash, new Cached(p, now + cacheTtlMillis));
        }
        return p;
    }

    // ------------------------------------------------------------------ management

    /** Creates a key from an admin request body {@code {"role": "...", "name": "..."}} for the admin's tenant. */
    public Created create(Principal admin, JsonNode body) {
        List<LedgerException.FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) {
            throw new LedgerException.Invalid(List.of(new LedgerException.FieldError("body", "must be a JSON object")));
        }
        JsonNode roleNode = body.get("role");
        Role role = null;
        if (roleNode == null || roleNode.isNull()) {
            errors.add(new LedgerException.FieldError("role", "is required (writer, reviewer, auditor or admin)"));
        } else if (!roleNode.isTextual() || (role = Role.fromWire(roleNode.textValue())) == null) {
            errors.add(new LedgerException.FieldError("role", "must be one of writer, reviewer, auditor, admin"));
        }
        String name = null;
        JsonNode nameNode = body.get("name");
        if (nameNode != null && !nameNode.isNull()) {
            if (!nameNode.isTextual()) {
                errors.add(new LedgerException.FieldError("name", "must be a string"));
            } else if (nameNode.textValue().codePointCount(0, nameNode.textValue().length()) > MAX_NAME_LENGTH) {
                errors.add(new LedgerException.FieldError("name", "must be at most " + MAX_NAME_LENGTH + " characters"));
            } else {
                name = nameNode.textValue();
            }
        }
        if (body.has("tenant") && !(body.get("tenant").isTextual() && body.get("tenant").textValue().equals(admin.tenant()))) {
            errors.add(new LedgerException.FieldError("tenant",
                    "keys are created for the admin's own tenant (" + admin.tenant() + "); omit the field"));
        }
        if (!errors.isEmpty()) throw new LedgerException.Invalid(errors);
        return create(admin.tenant(), role, name, admin.keyId() != null ? admin.keyId() : "open-mode");
    }

    /** Creates a key (the local runner's {@code keys create} and the admin endpoint). */
    public Created create(String tenant, Role role, String name, String createdBy) {
        if (tenant == null || !TENANT.matcher(tenant).matches()) {
            throw new LedgerException.Invalid(List.of(new LedgerException.FieldError("tenant",
                    "must be 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit")));
        }
        String secret = KEY_PREFIX + random(32);
        ApiKeyRecord rec = new ApiKeyRecord("key_" + random(12), hash(secret), secret.substring(0, SHOWN_PREFIX),
                tenant, role, name, Times.format(clock.instant()), createdBy, null);
        store.create(rec);
        return new Created(rec, secret);
    }

    public List<ApiKeyRecord> list(String tenant) {
        return store.list(tenant);
    }

    /** Revokes the tenant's key; 404 {@code key_not_found} for an unknown id or another tenant's key. */
    public ApiKeyRecord revoke(String tenant, String keyId) {
        Optional<ApiKeyRecord> r = KEY_ID.matcher(keyId).matches()
                ? store.revoke(tenant, keyId, Times.format(clock.instant())) : Optional.empty();
        ApiKeyRecord rec = r.orElseThrow(() -> new LedgerException.NotFound("key_not_found",
                "No API key " + abbreviate(keyId) + " in this tenant"));
        cache.remove(rec.keyHash());
        return rec;
    }

    /** SHA-256 hex of a key: the only form in which keys are stored. */
    public static String hash(String key) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? "\"" + s + "\"" : "\"" + s.substring(0, 40) + "…\"";
    }
}
