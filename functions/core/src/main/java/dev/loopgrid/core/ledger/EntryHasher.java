package dev.loopgrid.core.ledger;

/**
 * The ledger's byte layout, hashing version 1. This class, {@link EntryType} (the content layout of each entry
 * type) and {@code docs/ledger-format.md} (the same, with known-answer vectors) are the only places it is specified.
 *
 * <p><b>content_hash</b> = lowercase hex SHA-256 of the UTF-8 bytes of the RFC 8785 (JCS) canonical
 * text of the entry's content: an object with exactly the members {@link EntryType#members()} of its type,
 * absent values as {@code null} (built by {@link EntryType#content()}).
 *
 * <p><b>chain_hash</b> = lowercase hex SHA-256 of the UTF-8 bytes of the JCS text of the envelope
 * <pre>{"chain_id":…,"content_hash":…,"decision_id":…,"id":…,"previous_hash":…,"recorded_at":…,"sequence":N,"type":…,"v":1}</pre>
 * where {@code sequence} is a JSON integer starting at 1, {@code type} is an {@link EntryType#wire()} name,
 * {@code recorded_at} is RFC 3339 UTC with three
 * fractional digits and {@code Z}, and {@code previous_hash} is the previous entry's chain hash or
 * {@link #GENESIS} (64 zeros) for sequence 1.
 *
 * <p>The envelope is written directly (its member names are fixed and already in JCS order), which is
 * byte-identical to canonicalising the object; a test checks that against the general canonicaliser.
 */
public final class EntryHasher {
    /** Hashing version written into every envelope as {@code "v"}. */
    public static final int VERSION = 1;
    /** {@code previous_hash} of a chain's first entry. */
    public static final String GENESIS = "0".repeat(64);

    private EntryHasher() {}

    /** SHA-256 of canonical content text. */
    public static String contentHash(String canonicalContent) {
        return Canonical.sha256Hex(canonicalContent);
    }

    /** The canonical envelope text that {@link #chainHash} hashes. */
    public static String envelope(String chainId, long sequence, String type, String id, String decisionId,
                                  String recordedAt, String contentHash, String previousHash) {
        StringBuilder sb = new StringBuilder(160 + chainId.length() + id.length() + decisionId.length());
        sb.append("{\"chain_id\":");
        Canonical.writeString(chainId, sb);
        sb.append(",\"content_hash\":");
        Canonical.writeString(contentHash, sb);
        sb.append(",\"decision_id\":");
        Canonical.writeString(decisionId, sb);
        sb.append(",\"id\":");
        Canonical.writeString(id, sb);
        sb.append(",\"previous_hash\":");
        Canonical.writeString(previousHash, sb);
        sb.append(",\"recorded_at\":");
        Canonical.writeString(recordedAt, sb);
        sb.append(",\"sequence\":").append(sequence);
        sb.append(",\"type\":");
        Canonical.writeString(type, sb);
        sb.append(",\"v\":").append(VERSION).append('}');
        return sb.toString();
    }

    public static String chainHash(String chainId, long sequence, String type, String id, String decisionId,
                                   String recordedAt, String contentHash, String previousHash) {
        return Canonical.sha256Hex(envelope(chainId, sequence, type, id, decisionId, recordedAt, contentHash,
                previousHash));
    }

    /** Recomputes {@code entry}'s chain hash from its envelope fields. */
    public static String chainHash(Entry e) {
        return chainHash(e.chainId(), e.sequence(), e.type().wire(), e.id(), e.decisionId(), e.recordedAt(),
                e.contentHash(), e.previousHash());
    }
}
