package dev.loopgrid.core.log;

import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.verify.Merkle;
import java.nio.charset.StandardCharsets;

/**
 * What an entry contributes to the log: its leaf is the canonical envelope (docs/ledger-format.md) — the very bytes
 * whose SHA-256 is the entry's {@code chain_hash} — so a leaf commits to the entry's chain, place, type, ids, time,
 * content hash and predecessor, and never carries the decision's payload (a few hundred bytes, far below the 65,535
 * bytes an entry bundle allows).
 */
public final class LogLeaves {
    private LogLeaves() {}

    /** The leaf data of {@code e}: the UTF-8 bytes of its canonical envelope. */
    public static byte[] leafData(Entry e) {
        String type = e.type() == null ? "" : e.type().wire();
        return EntryHasher.envelope(nz(e.chainId()), e.sequence(), type, nz(e.id()), nz(e.decisionId()),
                nz(e.recordedAt()), nz(e.contentHash()), nz(e.previousHash())).getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 9162 leaf hash of {@code e}'s leaf data. */
    public static byte[] leafHash(Entry e) {
        return Merkle.leafHash(leafData(e));
    }

    private static String nz(String s) {
        return s == null ? "" : s; // a tampered entry missing a field still gets a (different) leaf
    }
}
