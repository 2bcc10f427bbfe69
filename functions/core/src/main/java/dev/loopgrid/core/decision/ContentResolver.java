package dev.loopgrid.core.decision;

import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.StoreException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import dev.loopgrid.core.subject.SubjectKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Fills in content that lives in the {@link ContentStore} (large decisions), so what reads it (reads, lists,
 * exports, replays, verification) sees content text as if it were inline. Where a mismatch goes:
 * <ul>
 *   <li>Entries ({@link #resolve(Entry)}, {@link #resolveAll}: verification) get the object's text, decoded strictly
 *       as UTF-8, and the verifier re-hashes it: changed bytes are reported as "content changed" at that entry. A
 *       missing object, or bytes that are not UTF-8, give null content, which the verifier reports the same way.</li>
 *   <li>Decisions ({@link #resolve(String, DecisionRecord)}: what the API serves) are re-hashed here. Content that is missing
 *       or no longer matches {@code content_hash} is never handed on: the record comes back with null content and
 *       {@link DecisionRecord#contentProblem()} saying why, and {@link DecisionRecord#requireContent()} turns that
 *       into {@link LedgerException.IntegrityBroken} (500 {@code content_integrity_failed}) wherever content would
 *       be shown.</li>
 * </ul>
 * Inline content (in the projection item) is re-hashed too. A failing object store is
 * {@link StoreException.Unavailable} (503), never a verdict about the content.
 */
public final class ContentResolver {
    private final ContentStore contents;
    private final SubjectKeys subjects;

    /** @param contents where large content lives, or null when none is configured (such content is then unavailable) */
    public ContentResolver(ContentStore contents) {
        this(contents, null);
    }

    /**
     * @param subjects the data subjects' keys that open sealed decisions ({@link SealedDecision}), or null when none
     *                 are configured (sealed content is then not served)
     */
    public ContentResolver(ContentStore contents, SubjectKeys subjects) {
        this.contents = contents;
        this.subjects = subjects;
    }

    /** {@code e} with its content read from the content store when it lives there. */
    public Entry resolve(Entry e) {
        if (e.contentKey() == null) return e;
        return e.withContent(fetch(e.contentKey()).map(ContentResolver::strictUtf8).orElse(null));
    }

    /** Resolves each entry as the iterator advances: one object at a time, so memory stays flat however large the chain. */
    public Iterator<Entry> resolveAll(Iterator<Entry> entries) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return entries.hasNext();
            }

            @Override
            public Entry next() {
                return resolve(entries.next());
            }
        };
    }

    /**
     * {@code d} (of {@code tenant}) with its content read and checked against its hash, and, when it is sealed, opened
     * with its data subject's key, or marked erased when that key was destroyed.
     */
    public DecisionRecord resolve(String tenant, DecisionRecord d) {
        return SealedDecision.open(tenant, checked(d), subjects == null ? null
                : (subject, keyId) -> subjects.forOpening(tenant, subject, keyId));
    }

    /** {@link #resolve(String, DecisionRecord)} of each, looking each data subject's key up once. */
    public List<DecisionRecord> resolve(String tenant, List<DecisionRecord> decisions) {
        Map<String, SubjectKeys.Lookup> seen = new HashMap<>();
        List<DecisionRecord> out = new ArrayList<>(decisions.size());
        for (DecisionRecord d : decisions) {
            out.add(SealedDecision.open(tenant, checked(d), subjects == null ? null
                    : (subject, keyId) -> seen.computeIfAbsent(subject + '\0' + keyId,
                            k -> subjects.forOpening(tenant, subject, keyId))));
        }
        return out;
    }

    private DecisionRecord checked(DecisionRecord d) {
        if (d.contentKey() == null) {
            // inline content is re-hashed just the same: a projection edited in the table is never served as the record
            if (d.content() != null && !Canonical.sha256Hex(d.content().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    .equals(d.contentHash())) {
                return d.withContent(null, "its stored content no longer matches its content_hash");
            }
            return d;
        }
        Optional<byte[]> bytes = fetch(d.contentKey());
        if (bytes.isEmpty()) return d.withContent(null, "its content object " + d.contentKey() + " is missing");
        if (!Canonical.sha256Hex(bytes.get()).equals(d.contentHash())) {
            return d.withContent(null, "its content object " + d.contentKey() + " no longer matches its content_hash");
        }
        String text = strictUtf8(bytes.get());
        // bytes that hash right but are not UTF-8 cannot have been recorded; refuse them all the same
        if (text == null) return d.withContent(null, "its content object " + d.contentKey() + " is not UTF-8 text");
        return d.withContent(text, null);
    }

    private Optional<byte[]> fetch(String key) {
        if (contents == null) {
            throw new LedgerException.Unavailable("content_storage_not_configured", "Decision content stored under "
                    + key + " cannot be read: no content storage is configured here (LOOPGRID_CONTENT_BUCKET)", 60);
        }
        return contents.get(key);
    }

    /** The bytes as text, or null when they are not well-formed UTF-8 (a lenient decoder could hide a change). */
    static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
