package dev.loopgrid.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.loopgrid.verify.VerificationException.Reason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Known-answer vectors (transparency-dev/merkle's, re-expressed) and our one-fixture-per-tamper files. */
class MerkleVectorsTest {
    static final Map<String, Object> TREE = Json.vector("merkle/reference-tree.json");
    static final List<byte[]> LEAF_HASHES = Json.strings(TREE.get("leaves")).stream()
            .map(h -> Merkle.leafHash(Hex.decode(h))).toList();
    static final HashSource REFERENCE = HashSource.ofLeafHashes(LEAF_HASHES);

    @Test
    void hashing_matchesKnownAnswers() {
        for (Map<String, Object> v : Json.list(Json.vector("merkle/hashing.json").get("vectors"))) {
            byte[] want = Hex.decode((String) v.get("hash"));
            byte[] got = switch ((String) v.get("kind")) {
                case "empty" -> Merkle.emptyRoot();
                case "leaf" -> Merkle.leafHash(Hex.decode((String) v.get("data")));
                case "node" -> Merkle.nodeHash(Hex.decode((String) v.get("left")), Hex.decode((String) v.get("right")));
                default -> throw new IllegalArgumentException(v.toString());
            };
            assertArrayEquals(want, got, v.get("recompute").toString());
        }
    }

    @Test
    void root_ofEveryPrefixOfTheReferenceTree_matchesKnownAnswers() {
        List<String> roots = Json.strings(TREE.get("roots"));
        assertEquals(9, roots.size());
        for (int n = 0; n <= 8; n++) {
            assertEquals(roots.get(n), Hex.encode(Merkle.root(LEAF_HASHES.subList(0, n))), "size " + n);
            assertEquals(roots.get(n), Hex.encode(Merkle.root(REFERENCE, n)), "size " + n + " from the hash source");
        }
    }

    @TestFactory
    Stream<DynamicTest> inclusionVectors_verifyExactlyWhenValid() {
        Map<String, Object> doc = Json.vector("merkle/inclusion.json");
        return Json.list(doc.get("vectors")).stream().map(v -> DynamicTest.dynamicTest("inclusion/" + v.get("name"), () -> {
            long index = Json.num(v.get("leafIndex"));
            long size = Json.num(v.get("treeSize"));
            byte[] leaf = Hex.decode((String) v.get("leafHash"));
            byte[] root = Hex.decode((String) v.get("root"));
            List<byte[]> proof = Json.hexList(v.get("proof"));
            if ((Boolean) v.get("valid")) {
                Merkle.verifyInclusion(index, size, leaf, proof, root);
                if (!v.get("name").toString().startsWith("single-entry")) {
                    // our generator gives the same proof over the reference tree
                    assertHashesEqual(proof, Merkle.inclusionProof(REFERENCE, index, size));
                }
            } else {
                assertThrows(VerificationException.class, () -> Merkle.verifyInclusion(index, size, leaf, proof, root));
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> consistencyVectors_verifyExactlyWhenValid() {
        Map<String, Object> doc = Json.vector("merkle/consistency.json");
        return Json.list(doc.get("vectors")).stream().map(v -> DynamicTest.dynamicTest("consistency/" + v.get("name"), () -> {
            long size1 = Json.num(v.get("size1"));
            long size2 = Json.num(v.get("size2"));
            byte[] root1 = Hex.decode((String) v.get("root1"));
            byte[] root2 = Hex.decode((String) v.get("root2"));
            List<byte[]> proof = Json.hexList(v.get("proof"));
            if ((Boolean) v.get("valid")) {
                Merkle.verifyConsistency(size1, size2, proof, root1, root2);
                assertHashesEqual(proof, Merkle.consistencyProof(REFERENCE, size1, size2));
            } else {
                VerificationException e = assertThrows(VerificationException.class,
                        () -> Merkle.verifyConsistency(size1, size2, proof, root1, root2));
                if (v.containsKey("upstreamValid")) assertEquals(Reason.BAD_HASH_LENGTH, e.reason());
            }
        }));
    }

    @Test
    void vectors_includeValidAndInvalidOnesOfEachKind() {
        // guards against a fixture file that silently lost its vectors
        for (String f : List.of("merkle/inclusion.json", "merkle/consistency.json")) {
            List<Map<String, Object>> vs = Json.list(Json.vector(f).get("vectors"));
            assertTrue(vs.size() > 90, f);
            assertTrue(vs.stream().filter(v -> (Boolean) v.get("valid")).count() >= 4, f);
        }
    }

    /** Each file in merkle-tamper/ is one forged or malformed proof; the verifier must fail for the named reason. */
    @TestFactory
    Stream<DynamicTest> tamperFixtures_failForTheirReason() {
        List<Path> files = Json.files("merkle-tamper");
        assertFalse(files.isEmpty());
        return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            Map<String, Object> v = Json.read(p);
            List<byte[]> proof = Json.hexList(v.get("proof"));
            VerificationException e;
            switch ((String) v.get("type")) {
                case "inclusion" -> {
                    // the untampered original verifies, so the fixture isolates the one change
                    Map<String, Object> orig = Json.vector("merkle-tamper/" + v.get("original"));
                    assertOk(() -> Merkle.verifyInclusion(Json.num(orig.get("leafIndex")), Json.num(orig.get("treeSize")),
                            Hex.decode((String) orig.get("leafHash")), Json.hexList(orig.get("proof")), Hex.decode((String) orig.get("root"))));
                    e = assertThrows(VerificationException.class, () -> Merkle.verifyInclusion(Json.num(v.get("leafIndex")),
                            Json.num(v.get("treeSize")), Hex.decode((String) v.get("leafHash")), proof, Hex.decode((String) v.get("root"))));
                }
                case "consistency" -> {
                    Map<String, Object> orig = Json.vector("merkle-tamper/" + v.get("original"));
                    assertOk(() -> Merkle.verifyConsistency(Json.num(orig.get("size1")), Json.num(orig.get("size2")),
                            Json.hexList(orig.get("proof")), Hex.decode((String) orig.get("root1")), Hex.decode((String) orig.get("root2"))));
                    e = assertThrows(VerificationException.class, () -> Merkle.verifyConsistency(Json.num(v.get("size1")),
                            Json.num(v.get("size2")), proof, Hex.decode((String) v.get("root1")), Hex.decode((String) v.get("root2"))));
                }
                case "ok-inclusion" -> {
                    assertOk(() -> Merkle.verifyInclusion(Json.num(v.get("leafIndex")), Json.num(v.get("treeSize")),
                            Hex.decode((String) v.get("leafHash")), proof, Hex.decode((String) v.get("root"))));
                    return;
                }
                case "ok-consistency" -> {
                    assertOk(() -> Merkle.verifyConsistency(Json.num(v.get("size1")), Json.num(v.get("size2")), proof,
                            Hex.decode((String) v.get("root1")), Hex.decode((String) v.get("root2"))));
                    return;
                }
                default -> throw new IllegalArgumentException("unknown type in " + p);
            }
            assertEquals(Reason.valueOf((String) v.get("expect")), e.reason(), e.getMessage());
        }));
    }

    interface Check {
        void run() throws VerificationException;
    }

    static void assertOk(Check c) {
        try {
            c.run();
        } catch (VerificationException e) {
            fail("expected to verify: " + e.getMessage());
        }
    }

    static void assertHashesEqual(List<byte[]> want, List<byte[]> got) {
        List<String> w = new ArrayList<>();
        List<String> g = new ArrayList<>();
        want.forEach(h -> w.add(Hex.encode(h)));
        got.forEach(h -> g.add(Hex.encode(h)));
        assertEquals(w, g);
    }
}
