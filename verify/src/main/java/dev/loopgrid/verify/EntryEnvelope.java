package dev.loopgrid.verify;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A LoopGrid ledger entry's envelope (hashing version 1, docs/ledger-format.md): its canonical (RFC 8785) text is the
 * entry's leaf data in the log, and its SHA-256 is the entry's {@code chain_hash}. Written directly — the member names
 * are fixed and already in JCS order, and the values are strings and one integer — so this module needs no JSON
 * library; the core's tests check it byte for byte against the general canonicaliser.
 */
public record EntryEnvelope(String chainId, long sequence, String type, String id, String decisionId,
                            String recordedAt, String contentHash, String previousHash) {
    /** Hashing version written into every envelope as {@code "v"}. */
    public static final int VERSION = 1;

    public EntryEnvelope {
        if (chainId == null || type == null || id == null || decisionId == null || recordedAt == null
                || contentHash == null || previousHash == null) {
            throw new IllegalArgumentException("every envelope field is required");
        }
        if (sequence < 1) throw new IllegalArgumentException("sequence starts at 1");
    }

    /** The canonical envelope text. */
    public String text() {
        StringBuilder sb = new StringBuilder(200 + chainId.length());
        sb.append("{\"chain_id\":");
        string(chainId, sb);
        sb.append(",\"content_hash\":");
        string(contentHash, sb);
        sb.append(",\"decision_id\":");
        string(decisionId, sb);
        sb.append(",\"id\":");
        string(id, sb);
        sb.append(",\"previous_hash\":");
        string(previousHash, sb);
        sb.append(",\"recorded_at\":");
        string(recordedAt, sb);
        sb.append(",\"sequence\":").append(sequence);
        sb.append(",\"type\":");
        string(type, sb);
        sb.append(",\"v\":").append(VERSION).append('}');
        return sb.toString();
    }

    /** The leaf data: the UTF-8 bytes of {@link #text()}. */
    public byte[] bytes() {
        return text().getBytes(StandardCharsets.UTF_8);
    }

    /** The entry's {@code chain_hash}: lowercase hex SHA-256 of {@link #bytes()}. */
    public String chainHash() {
        try {
            return Hex.encode(MessageDigest.getInstance("SHA-256").digest(bytes()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java runtime", e);
        }
    }

    /** RFC 8785 string: only {@code "}, {@code \} and controls below U+0020 escaped; lone surrogates refused. */
    static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        throw new IllegalArgumentException("lone surrogate at " + i);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
