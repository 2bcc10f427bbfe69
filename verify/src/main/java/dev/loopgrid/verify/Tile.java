package dev.loopgrid.verify;

import dev.loopgrid.verify.VerificationException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A C2SP tlog-tiles Merkle tile: tile {@code index} at tile level {@code level} holds {@code width} consecutive
 * hashes of Merkle level {@code 8·level}, hash i being {@code MTH(D[(index·256+i)·256^level : (index·256+i+1)·256^level])}.
 * A full tile is 256 hashes (8,192 bytes); the rightmost tiles of a tree are partial (1..255 hashes).
 *
 * <p>Paths: {@code tile/<L>/<N>[.p/<W>]}, N in 3-digit groups, all but the last prefixed {@code x}
 * (1234067 → {@code x001/x234/067}); entry bundles {@code tile/entries/<N>[.p/<W>]}.
 *
 * @see <a href="https://c2sp.org/tlog-tiles">c2sp.org/tlog-tiles</a>
 */
public record Tile(int level, long index, int width) {
    /** Hashes in a full tile. */
    public static final int WIDTH = 256;
    /** Merkle levels per tile level. */
    public static final int HEIGHT = 8;

    private static final Pattern PATH = Pattern.compile(
            "tile/(0|[1-9][0-9]?|entries)/((?:x[0-9]{3}/)*[0-9]{3})(?:\\.p/([1-9][0-9]{0,2}))?");

    public Tile {
        if (level < 0 || level > 63) throw new IllegalArgumentException("tile level " + level + " not in 0..63");
        if (index < 0) throw new IllegalArgumentException("negative tile index " + index);
        if (width < 1 || width > WIDTH) throw new IllegalArgumentException("tile width " + width + " not in 1..256");
    }

    /** Whether this tile holds all 256 hashes. */
    public boolean full() {
        return width == WIDTH;
    }

    /** {@code tile/<L>/<N>[.p/<W>]}. */
    public String path() {
        return "tile/" + level + "/" + encodeIndex(index) + (full() ? "" : ".p/" + width);
    }

    /** The entry bundle path for the same index and width ({@code tile/entries/<N>[.p/<W>]}; level 0 only). */
    public String entriesPath() {
        if (level != 0) throw new IllegalStateException("entry bundles exist for level 0 only");
        return "tile/entries/" + encodeIndex(index) + (full() ? "" : ".p/" + width);
    }

    /** The tile of level {@code level}, index {@code index}, as it exists in a tree of {@code treeSize} leaves. */
    public static Tile of(int level, long index, long treeSize) {
        long perHash = pow256(level); // leaves under one hash of this tile level
        long complete = treeSize / perHash; // complete hashes at this level
        long fullTiles = complete / WIDTH;
        if (index < fullTiles) return new Tile(level, index, WIDTH);
        if (index == fullTiles && complete % WIDTH != 0) return new Tile(level, index, (int) (complete % WIDTH));
        throw new IllegalArgumentException("no tile " + level + "/" + index + " in a tree of " + treeSize);
    }

    /** Every tile (full and partial) a log of {@code treeSize} leaves serves, level by level. */
    public static List<Tile> all(long treeSize) {
        List<Tile> out = new ArrayList<>();
        for (int level = 0; level < 64; level++) {
            long perHash = pow256(level);
            if (perHash == 0 || treeSize / perHash == 0) break;
            long complete = treeSize / perHash;
            for (long n = 0; n < complete / WIDTH; n++) out.add(new Tile(level, n, WIDTH));
            if (complete % WIDTH != 0) out.add(new Tile(level, complete / WIDTH, (int) (complete % WIDTH)));
        }
        return out;
    }

    /**
     * Parses a tile path strictly (canonical index groups, width 1..255 without leading zeros);
     * {@code tile/entries/…} parses as a level-0 tile (use {@link #isEntriesPath}).
     */
    public static Tile parsePath(String path) {
        Matcher m = PATH.matcher(path);
        if (!m.matches()) throw new IllegalArgumentException("not a tile path: " + path);
        int level = m.group(1).equals("entries") ? 0 : Integer.parseInt(m.group(1));
        long index = 0;
        for (String part : m.group(2).split("/")) {
            index = Math.multiplyExact(index, 1000) + Integer.parseInt(part.startsWith("x") ? part.substring(1) : part);
        }
        if (!encodeIndex(index).equals(m.group(2))) throw new IllegalArgumentException("non-canonical tile index: " + path);
        int width = m.group(3) == null ? WIDTH : Integer.parseInt(m.group(3));
        if (m.group(3) != null && width >= WIDTH) throw new IllegalArgumentException("partial tile width must be 1..255: " + path);
        return new Tile(level, index, width);
    }

    /** Whether the path names an entry bundle. */
    public static boolean isEntriesPath(String path) {
        return path.startsWith("tile/entries/") && PATH.matcher(path).matches();
    }

    /** 1234067 → {@code x001/x234/067}; 5 → {@code 005}. */
    public static String encodeIndex(long n) {
        if (n < 0) throw new IllegalArgumentException("negative index " + n);
        StringBuilder sb = new StringBuilder(String.format("%03d", n % 1000));
        for (n /= 1000; n > 0; n /= 1000) sb.insert(0, String.format("x%03d/", n % 1000));
        return sb.toString();
    }

    /** The tile content: its {@code width} hashes concatenated, read from {@code source}. */
    public byte[] content(HashSource source) {
        byte[] out = new byte[width * Merkle.HASH_SIZE];
        for (int i = 0; i < width; i++) {
            byte[] h = source.hash(HEIGHT * level, index * WIDTH + i);
            System.arraycopy(h, 0, out, i * Merkle.HASH_SIZE, Merkle.HASH_SIZE);
        }
        return out;
    }

    /** Splits tile content into its hashes, checking it is exactly {@code width} hashes. */
    public List<byte[]> hashes(byte[] content) throws VerificationException {
        if (content.length != width * Merkle.HASH_SIZE) {
            throw new VerificationException(Reason.MALFORMED_TILE, path() + " has " + content.length + " bytes, needs "
                    + width * Merkle.HASH_SIZE);
        }
        List<byte[]> out = new ArrayList<>(width);
        for (int i = 0; i < width; i++) {
            byte[] h = new byte[Merkle.HASH_SIZE];
            System.arraycopy(content, i * Merkle.HASH_SIZE, h, 0, Merkle.HASH_SIZE);
            out.add(h);
        }
        return out;
    }

    /** 256^level, or 0 when that overflows a long (no tree is that large). */
    static long pow256(int level) {
        return level * HEIGHT >= 63 ? 0 : 1L << (HEIGHT * level);
    }
}
