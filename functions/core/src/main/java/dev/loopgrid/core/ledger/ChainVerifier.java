package dev.loopgrid.core.ledger;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Walks a chain's entries in storage order and returns the first bad entry and why, as a value.
 * Streams: it holds two entries at a time, so memory does not grow with the chain.
 *
 * <p>For each entry, in this order: it belongs to the chain; its sequence follows the previous one (a
 * repeat is an insertion, a smaller number a reordering, a larger one a gap unless the next entry fills
 * it, which is a reordering); its content hashes to {@code content_hash}; its envelope hashes to
 * {@code chain_hash}; its {@code previous_hash} is the previous entry's {@code chain_hash}. After the
 * last entry, the head must name exactly that entry's sequence and hash.
 */
public final class ChainVerifier {

    private ChainVerifier() {}

    /** Verifies a whole chain from its first entry. {@code head} may be null when the chain has no head item. */
    public static Verification verify(String chainId, Iterator<Entry> entries, ChainHead head) {
        return verifyFrom(chainId, 0, EntryHasher.GENESIS, entries, head);
    }

    /**
     * Verifies the entries after a checkpoint (a sequence and chain hash verified before), so a caller can
     * verify only what was appended since.
     */
    public static Verification verifyFrom(String chainId, long afterSequence, String afterHash,
                                          Iterator<Entry> entries, ChainHead head) {
        Peeking it = new Peeking(entries);
        long prevSeq = afterSequence;
        String prevHash = afterHash;
        long count = 0;
        long decisions = 0;
        while (it.hasNext()) {
            Entry e = it.next();
            Verification.Failure f = check(chainId, e, prevSeq, prevHash, it);
            if (f != null) {
                return new Verification(chainId, count, decisions, prevSeq, prevHash, f);
            }
            count++;
            if (e.type() != null && e.type().isDecision()) decisions++;
            prevSeq = e.sequence();
            prevHash = e.chainHash();
        }
        Verification.Failure f = checkHead(chainId, prevSeq, prevHash, head);
        return new Verification(chainId, count, decisions, prevSeq, prevHash, f);
    }

    private static Verification.Failure check(String chainId, Entry e, long prevSeq, String prevHash, Peeking it) {
        long expected = prevSeq + 1;
        if (!chainId.equals(e.chainId())) {
            return fail(Verification.Kind.INSERTED, chainId, e,
                    "entry " + e.id() + " of chain \"" + e.chainId() + "\" stands in chain \"" + chainId + "\"");
        }
        if (e.sequence() != expected) {
            if (e.sequence() == prevSeq) {
                return fail(Verification.Kind.INSERTED, chainId, e,
                        "entry " + e.id() + " repeats sequence " + e.sequence());
            }
            if (e.sequence() < prevSeq) {
                return fail(Verification.Kind.REORDERED, chainId, e,
                        "entry " + e.id() + " (sequence " + e.sequence() + ") is stored after sequence " + prevSeq);
            }
            Entry next = it.peek();
            if (next != null && next.sequence() >= expected && next.sequence() < e.sequence()) {
                return fail(Verification.Kind.REORDERED, chainId, e,
                        "entry " + e.id() + " (sequence " + e.sequence() + ") is stored before sequence "
                                + next.sequence());
            }
            return fail(Verification.Kind.SEQUENCE_GAP, chainId, e, (e.sequence() - expected == 1
                    ? "sequence " + expected + " is missing"
                    : "sequences " + expected + ".." + (e.sequence() - 1) + " are missing")
                    + " before entry " + e.id() + " (sequence " + e.sequence() + ")");
        }
        if (e.content() == null || e.contentHash() == null
                || !EntryHasher.contentHash(e.content()).equals(e.contentHash())) {
            return fail(Verification.Kind.CONTENT_CHANGED, chainId, e, contentProblem(e));
        }
        if (e.type() == null || e.id() == null || e.decisionId() == null || e.recordedAt() == null
                || e.previousHash() == null || !EntryHasher.chainHash(e).equals(e.chainHash())) {
            return fail(Verification.Kind.ENVELOPE_CHANGED, chainId, e,
                    "envelope of entry " + e.id() + " (sequence " + e.sequence()
                            + ": id, time, type, sequence or content_hash) no longer matches its chain_hash");
        }
        if (!prevHash.equals(e.previousHash()) ) {
            return fail(Verification.Kind.LINK_BROKEN, chainId, e,
                    "entry " + e.id() + " (sequence " + e.sequence() + ") does not link to the entry before it: "
                            + "previous_hash " + abbreviate(e.previousHash()) + " ≠ " + abbreviate(prevHash));
        }
        return null;
    }

    /** Why {@code e}'s content fails, naming the content object when the content is stored outside the entry. */
    public static String contentProblem(Entry e) {
        String where = "entry " + e.id() + " (sequence " + e.sequence() + ")";
        if (e.contentKey() == null) return "content of " + where + " no longer matches its content_hash";
        if (e.content() == null) {
            return "the content object " + e.contentKey() + " of " + where + " is missing or not UTF-8 text";
        }
        return "the content object " + e.contentKey() + " of " + where + " no longer matches its content_hash";
    }

    private static Verification.Failure checkHead(String chainId, long lastSeq, String lastHash, ChainHead head) {
        if (head == null) {
            if (lastSeq == 0) return null;
            return new Verification.Failure(Verification.Kind.HEAD_MISMATCH, chainId, lastSeq, null, null,
                    "chain \"" + chainId + "\" has entries up to sequence " + lastSeq + " but no head");
        }
        if (head.sequence() > lastSeq) {
            return new Verification.Failure(Verification.Kind.HEAD_MISMATCH, chainId, head.sequence(), null, null,
                    "chain \"" + chainId + "\" is truncated: its head is at sequence " + head.sequence()
                            + " but the last entry found is " + (lastSeq == 0 ? "none" : "sequence " + lastSeq));
        }
        if (head.sequence() < lastSeq) {
            return new Verification.Failure(Verification.Kind.INSERTED, chainId, head.sequence() + 1, null, null,
                    "chain \"" + chainId + "\" has entries beyond its head (head at sequence " + head.sequence()
                            + ", last entry at " + lastSeq + ")");
        }
        if (!lastHash.equals(head.headHash())) {
            return new Verification.Failure(Verification.Kind.HEAD_MISMATCH, chainId, head.sequence(), null, null,
                    "head of chain \"" + chainId + "\" names hash " + abbreviate(head.headHash())
                            + " but the entry at sequence " + lastSeq + " has " + abbreviate(lastHash));
        }
        return null;
    }

    private static Verification.Failure fail(Verification.Kind kind, String chainId, Entry e, String message) {
        return new Verification.Failure(kind, chainId, e.sequence(), e.id(), e.decisionId(),
                kind.label() + ": " + message);
    }

    private static String abbreviate(String hash) {
        return hash == null ? "null" : hash.length() > 12 ? hash.substring(0, 12) + "…" : hash;
    }

    /** An iterator with one entry of look-ahead. */
    private static final class Peeking {
        private final Iterator<Entry> it;
        private Entry peeked;

        Peeking(Iterator<Entry> it) { this.it = it; }

        boolean hasNext() { return peeked != null || it.hasNext(); }

        Entry next() {
            if (peeked != null) {
                Entry e = peeked;
                peeked = null;
                return e;
            }
            if (!it.hasNext()) throw new NoSuchElementException();
            return it.next();
        }

        Entry peek() {
            if (peeked == null && it.hasNext()) peeked = it.next();
            return peeked;
        }
    }
}
