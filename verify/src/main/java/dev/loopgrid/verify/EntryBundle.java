package dev.loopgrid.verify;

import dev.loopgrid.verify.VerificationException.Reason;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * C2SP tlog-tiles entry bundles: a sequence of entries, each prefixed by its length as a big-endian uint16
 * (so an entry is at most 65,535 bytes). Entry i of bundle N is leaf {@code N·256 + i}, whose leaf hash is
 * {@code Merkle.leafHash(entry)}.
 */
public final class EntryBundle {
    /** The largest entry a bundle can carry. */
    public static final int MAX_ENTRY_SIZE = 0xFFFF;

    private EntryBundle() {}

    /** Concatenates {@code uint16be(len) ‖ entry} for each entry. */
    public static byte[] encode(List<byte[]> entries) {
        if (entries.size() > Tile.WIDTH) throw new IllegalArgumentException("a bundle holds at most 256 entries");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] e : entries) {
            if (e.length > MAX_ENTRY_SIZE) throw new IllegalArgumentException("entry of " + e.length + " bytes exceeds 65535");
            out.write(e.length >>> 8);
            out.write(e.length & 0xff);
            out.writeBytes(e);
        }
        return out.toByteArray();
    }

    /** Splits a bundle into its entries; a truncated length or entry, or more than 256 entries, is MALFORMED_TILE. */
    public static List<byte[]> decode(byte[] bundle) throws VerificationException {
        List<byte[]> out = new ArrayList<>();
        int i = 0;
        while (i < bundle.length) {
            if (i + 2 > bundle.length) throw new VerificationException(Reason.MALFORMED_TILE, "truncated length at byte " + i);
            int len = (bundle[i] & 0xff) << 8 | (bundle[i + 1] & 0xff);
            i += 2;
            if (i + len > bundle.length) {
                throw new VerificationException(Reason.MALFORMED_TILE, "entry " + out.size() + " needs " + len
                        + " bytes, " + (bundle.length - i) + " left");
            }
            byte[] e = new byte[len];
            System.arraycopy(bundle, i, e, 0, len);
            out.add(e);
            i += len;
            if (out.size() > Tile.WIDTH) throw new VerificationException(Reason.MALFORMED_TILE, "more than 256 entries");
        }
        return out;
    }
}
