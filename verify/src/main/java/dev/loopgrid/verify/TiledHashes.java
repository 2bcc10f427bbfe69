package dev.loopgrid.verify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link HashSource} over the C2SP tiles of a tree of a given size, fetched on demand through a
 * {@link Fetcher} (HTTP, S3, a map in tests) and kept for the life of this object. A hash at Merkle level
 * {@code 8·L + r} is rebuilt from the 2^r hashes below it in tile level L, so any proof of
 * {@link Merkle#inclusionProof} or {@link Merkle#consistencyProof} can be generated from tiles alone.
 *
 * <p>Tiles are not trusted: generate the proof here, then verify it against a signed checkpoint's root.
 */
public final class TiledHashes implements HashSource {
    /** Reads the bytes of a tile by its path ({@code tile/<L>/<N>[.p/<W>]}). */
    @FunctionalInterface
    public interface Fetcher {
        byte[] fetch(String path) throws IOException;
    }

    private final long treeSize;
    private final Fetcher fetcher;
    private final Map<Tile, List<byte[]>> cache = new HashMap<>();

    public TiledHashes(long treeSize, Fetcher fetcher) {
        if (treeSize < 0) throw new IllegalArgumentException("negative tree size");
        this.treeSize = treeSize;
        this.fetcher = fetcher;
    }

    /**
     * {@inheritDoc}
     *
     * @throws UncheckedIOException when the fetcher fails or a tile has the wrong length (the cause says which)
     */
    @Override
    public byte[] hash(int level, long index) {
        int tileLevel = level / Tile.HEIGHT;
        int r = level % Tile.HEIGHT;
        long first = index << r; // first hash of tile level `tileLevel` under this node
        Tile tile = tileFor(tileLevel, first, treeSize);
        List<byte[]> hashes = read(tile);
        int from = (int) (first % Tile.WIDTH);
        int count = 1 << r;
        if (from + count > hashes.size()) {
            throw new IllegalArgumentException("no complete subtree at level " + level + " index " + index
                    + " in a tree of " + treeSize);
        }
        return Merkle.root(hashes.subList(from, from + count));
    }

    /** The tiles needed to build the inclusion proof of {@code index} in a tree of {@code treeSize}. */
    public static Set<Tile> tilesForInclusion(long index, long treeSize) {
        Recorder rec = new Recorder(treeSize);
        Merkle.inclusionProof(rec, index, treeSize);
        return rec.tiles;
    }

    /** The tiles needed to build the consistency proof from {@code size1} to {@code size2}. */
    public static Set<Tile> tilesForConsistency(long size1, long size2) {
        Recorder rec = new Recorder(size2);
        Merkle.consistencyProof(rec, size1, size2);
        return rec.tiles;
    }

    private List<byte[]> read(Tile tile) {
        List<byte[]> hashes = cache.get(tile);
        if (hashes != null) return hashes;
        try {
            hashes = tile.hashes(fetcher.fetch(tile.path()));
        } catch (IOException e) {
            throw new UncheckedIOException("fetching " + tile.path(), e);
        } catch (VerificationException e) {
            throw new UncheckedIOException(new IOException(e.getMessage(), e));
        }
        cache.put(tile, hashes);
        return hashes;
    }

    private static Tile tileFor(int tileLevel, long hashIndex, long treeSize) {
        return Tile.of(tileLevel, hashIndex / Tile.WIDTH, treeSize);
    }

    /** Records the tiles a computation touches, answering with placeholder hashes. */
    private static final class Recorder implements HashSource {
        final long treeSize;
        final Set<Tile> tiles = new LinkedHashSet<>();

        Recorder(long treeSize) {
            this.treeSize = treeSize;
        }

        @Override
        public byte[] hash(int level, long index) {
            tiles.add(tileFor(level / Tile.HEIGHT, index << (level % Tile.HEIGHT), treeSize));
            return new byte[Merkle.HASH_SIZE];
        }
    }

    /** Tile contents of a whole tree held in memory, keyed by path: what a log would serve at {@code treeSize}. */
    public static Map<String, byte[]> allTiles(HashSource source, long treeSize) {
        Map<String, byte[]> out = new HashMap<>();
        for (Tile t : Tile.all(treeSize)) out.put(t.path(), t.content(source));
        return out;
    }
}
