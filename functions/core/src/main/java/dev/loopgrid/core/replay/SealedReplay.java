package dev.loopgrid.core.replay;

import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.subject.DataKey;
import dev.loopgrid.core.subject.Sealer;
import dev.loopgrid.core.subject.SubjectKeys;
import java.nio.charset.StandardCharsets;

/**
 * A replay of a data subject's decision keeps its overrides, output and diff sealed under the subject's key, in the
 * replay item and in its ledger entry alike: each as {@code {"sealed": box}}, the box bound to the tenant, subject,
 * replay and field. Once the key is destroyed they read as null ({@link ReplayView} says {@code erased}).
 */
final class SealedReplay {
    private SealedReplay() {}

    static String seal(String tenant, String subjectId, String replayId, String field, String text, DataKey key) {
        if (text == null) return null;
        return Canonical.canonicalize(Sealer.wrap(key, aad(tenant, subjectId, replayId, field),
                text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The text inside {@code stored}; {@code stored} itself when it is not a sealed box (replays from before). */
    static String open(String tenant, String subjectId, String replayId, String field, String stored, DataKey key) {
        if (!isSealed(stored)) return stored;
        return new String(Sealer.unwrap(key, aad(tenant, subjectId, replayId, field), Json.parseStored(stored)),
                StandardCharsets.UTF_8);
    }

    static boolean isSealed(String stored) {
        if (stored == null) return false;
        try {
            return Sealer.isWrapped(Json.parseStored(stored));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code r} with its sealed fields opened, or emptied when the key is gone ({@code erased} true). */
    static ReplayRecord opened(String tenant, String subjectId, ReplayRecord r, SubjectKeys keys) {
        if (subjectId == null || keys == null
                || !isSealed(r.overrides()) && !isSealed(r.output()) && !isSealed(r.diff())) return r;
        SubjectKeys.Lookup lookup = keys.forOpening(tenant, subjectId, null);
        if (!(lookup instanceof SubjectKeys.Lookup.Usable u)) return r.withContent(null, null, null, true);
        try {
            return r.withContent(open(tenant, subjectId, r.replayId(), "overrides", r.overrides(), u.key()),
                    open(tenant, subjectId, r.replayId(), "output", r.output(), u.key()),
                    open(tenant, subjectId, r.replayId(), "diff", r.diff(), u.key()), false);
        } catch (Sealer.Unopenable e) {
            throw new dev.loopgrid.core.ledger.LedgerException.IntegrityBroken("content_integrity_failed", "Replay "
                    + r.replayId() + "'s sealed result does not open under its subject's key (" + e.getMessage() + ")");
        }
    }

    private static byte[] aad(String tenant, String subjectId, String replayId, String field) {
        return ("loopgrid/v1/sealed-replay" + '\0' + tenant + '\0' + subjectId + '\0' + replayId + '\0' + field)
                .getBytes(StandardCharsets.UTF_8);
    }
}
