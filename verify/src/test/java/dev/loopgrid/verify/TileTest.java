package dev.loopgrid.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.verify.VerificationException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TileTest {
    static final Map<String, Object> V = Json.vector("tiles/paths.json");

    @Test
    void paths_encodeAndParse_asTheSpecSays() {
        for (Map<String, Object> p : Json.list(V.get("paths"))) {
            Tile t = new Tile((int) Json.num(p.get("level")), Json.num(p.get("index")), (int) Json.num(p.get("width")));
            assertEquals(p.get("path"), t.path());
            assertEquals(t, Tile.parsePath(t.path()));
        }
        for (Map<String, Object> p : Json.list(V.get("entries"))) {
            Tile t = new Tile(0, Json.num(p.get("index")), (int) Json.num(p.get("width")));
            assertEquals(p.get("path"), t.entriesPath());
            assertTrue(Tile.isEntriesPath(t.entriesPath()));
            assertEquals(t, Tile.parsePath(t.entriesPath()));
        }
        for (String bad : Json.strings(V.get("badPaths"))) {
            assertThrows(IllegalArgumentException.class, () -> Tile.parsePath(bad), bad);
        }
    }

    @Test
    void all_listsTheTilesOfTheSpecsExamples() {
        for (Map<String, Object> s : Json.list(V.get("treeSizes"))) {
            long size = Json.num(s.get("size"));
            List<Tile> all = Tile.all(size);
            List<Long> full = new ArrayList<>();
            List<Long> partial = new ArrayList<>();
            for (int level = 0; level < Json.strings(s.get("full")).size(); level++) {
                final int l = level;
                full.add(all.stream().filter(t -> t.level() == l && t.full()).count());
                partial.add(all.stream().filter(t -> t.level() == l && !t.full()).mapToLong(Tile::width).sum());
            }
            assertEquals(s.get("full"), full, "size " + size);
            assertEquals(s.get("partial"), partial, "size " + size);
            assertTrue(all.stream().allMatch(t -> t.level() < full.size()), "no tile above the listed levels for " + size);
        }
    }

    @Test
    void entryBundle_roundTrips_andRejectsTruncation() throws Exception {
        Map<String, Object> b = Json.list(List.of(V.get("bundle"))).get(0);
        List<byte[]> entries = Json.hexList(b.get("entries"));
        byte[] encoded = Hex.decode((String) b.get("encoded"));
        assertArrayEquals(encoded, EntryBundle.encode(entries));
        List<byte[]> decoded = EntryBundle.decode(encoded);
        assertEquals(entries.size(), decoded.size());
        for (int i = 0; i < entries.size(); i++) assertArrayEquals(entries.get(i), decoded.get(i));
        for (int cut = 1; cut < encoded.length; cut++) {
            byte[] shorter = java.util.Arrays.copyOf(encoded, cut);
            boolean atBoundary = cut == 2 || cut == 5 || cut == 9; // after "", "a", "bc"
            if (atBoundary) {
                assertEquals(cut == 2 ? 1 : cut == 5 ? 2 : 3, EntryBundle.decode(shorter).size());
            } else {
                assertEquals(Reason.MALFORMED_TILE, assertThrows(VerificationException.class, () -> EntryBundle.decode(shorter)).reason(),
                        "cut at " + cut);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> EntryBundle.encode(List.of(new byte[65_536])));
    }

    @Test
    void tiledHashes_refuseATileOfTheWrongLength() {
        HashSource src = HashSource.ofLeafHashes(List.of(Merkle.leafHash(new byte[] {1}), Merkle.leafHash(new byte[] {2}), Merkle.leafHash(new byte[] {3})));
        Map<String, byte[]> tiles = TiledHashes.allTiles(src, 3);
        assertEquals(List.of("tile/0/000.p/3"), new ArrayList<>(tiles.keySet()));
        TiledHashes good = new TiledHashes(3, tiles::get);
        assertArrayEquals(Merkle.root(src, 3), Merkle.root(good, 3));
        TiledHashes bad = new TiledHashes(3, p -> java.util.Arrays.copyOf(tiles.get(p), 95));
        assertThrows(java.io.UncheckedIOException.class, () -> Merkle.root(bad, 3));
        assertFalse(TiledHashes.tilesForInclusion(0, 3).isEmpty());
    }
}
