package dev.loopgrid.core;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link LedgerStore} whose reads fill in content that lives in the {@link ContentStore} (large decisions), so
 * everything above it (reads, lists, exports, replays, verification) sees content text as if it were inline.
 * Appends and the head go straight to the store underneath.
 *
 * <p>Where a mismatch goes:
 * <ul>
 *   <li>Entries ({@link #readEntry}, {@link #readEntries}: verification) get the object's text, decoded strictly as
 *       UTF-8, and the verifier re-hashes it: changed bytes are reported as "content changed" at that entry. A
 *       missing object, or bytes that are not UTF-8, give null content, which the verifier reports the same way.</li>
 *   <li>Decisions ({@link #findDecision}, {@link #listDecisions}: what the API serves) are re-hashed here. Content that
 *       is missing or no longer matches {@code content_hash} is never handed on: the record comes back with null
 *       content and {@link DecisionRecord#contentProblem()} saying why, and {@link DecisionRecord#requireContent()}
 *       turns that into {@link LedgerException.IntegrityBroken} (500 {@code content_integrity_failed}) wherever
 *       content would be shown.</li>
 * </ul>
 * A failing object store is {@link StoreException.Unavailable} (503), never a verdict about the content. Content stored
 * inline is checked by verification only, as before.
 */
public final class ContentResolvingStore implements LedgerStore {
    private final LedgerStore store;
    private final ContentStore contents;

    /** @param contents where large content lives, or null when none is configured (such content is then unavailable) */
    public ContentResolvingStore(LedgerStore store, ContentStore contents) {
        this.store = store;
        this.contents = contents;
    }

    /** The store underneath (appends, and reads that need no content). */
    public LedgerStore underlying() {
        return store;
    }

    @Override
    public Optional<ChainHead> readHead(ChainKey chain) {
        return store.readHead(chain);
    }

    @Override
    public void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                       Map<String, Long> counterDeltas) {
        store.append(chain, expected, entries, requests, counterDeltas);
    }

    @Override
    public Optional<Entry> readEntry(ChainKey chain, long sequence) {
        return store.readEntry(chain, sequence).map(this::resolve);
    }

    @Override
    public Iterator<Entry> readEntries(ChainKey chain, long fromSequence, long toSequence) {
        Iterator<Entry> it = store.readEntries(chain, fromSequence, toSequence);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Entry next() {
                return resolve(it.next()); // one object at a time: memory stays flat however large the chain
            }
        };
    }

    @Override
    public List<ChainHead> listChains(String tenant) {
        return store.listChains(tenant);
    }

    @Override
    public Optional<DecisionRecord> findDecision(String tenant, String decisionId) {
        return store.findDecision(tenant, decisionId).map(this::resolve);
    }

    @Override
    public Optional<IdempotencyRecord> findIdempotency(String tenant, String key) {
        return store.findIdempotency(tenant, key);
    }

    @Override
    public DecisionPage listDecisions(String tenant, DecisionQuery query) {
        DecisionPage page = store.listDecisions(tenant, query);
        if (page.decisions().stream().noneMatch(d -> d.contentKey() != null)) return page;
        List<DecisionRecord> out = new ArrayList<>(page.decisions().size());
        for (DecisionRecord d : page.decisions()) out.add(resolve(d));
        return new DecisionPage(out, page.total(), page.hasMore(), page.nextCursor());
    }

    private Entry resolve(Entry e) {
        if (e.contentKey() == null) return e;
        return e.withContent(fetch(e.contentKey()).map(ContentResolvingStore::strictUtf8).orElse(null));
    }

    private DecisionRecord resolve(DecisionRecord d) {
        if (d.contentKey() == null) return d;
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
