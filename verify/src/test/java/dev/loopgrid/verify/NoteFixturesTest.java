package dev.loopgrid.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.verify.VerificationException.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every file of vectors/notes/: known answers, forged and non-canonical notes, keys, checkpoints, cosignatures. */
class NoteFixturesTest {

    @TestFactory
    Stream<DynamicTest> everyNoteFixture_givesItsExpectedOutcome() {
        List<Path> files = Json.files("notes");
        assertTrue(files.size() > 40, "fixtures: " + files.size());
        return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> run(Json.read(p))));
    }

    @Test
    void fixtures_areExactlyWhatTheGeneratorMakes() throws Exception {
        // Ed25519 is deterministic: a change in signing, formatting or key derivation shows up here
        Map<String, Map<String, Object>> made = new NoteFixtures().all();
        List<String> onDisk = new ArrayList<>();
        for (Path p : Json.files("notes")) onDisk.add(p.getFileName().toString().replace(".json", ""));
        onDisk.sort(null);
        assertEquals(new ArrayList<>(made.keySet()), onDisk);
        for (var e : made.entrySet()) {
            String file = Files.readString(Json.VECTORS.resolve("notes/" + e.getKey() + ".json"), StandardCharsets.UTF_8);
            assertEquals(NoteFixtures.toJson(e.getValue(), "") + "\n", file, e.getKey());
        }
    }

    @Test
    void signerKey_roundTrips_andVkeyMatches() throws Exception {
        NoteSigner s = NoteSigner.parse("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
        assertEquals("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", s.verifier().vkey());
        assertEquals("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", s.skey());
        assertEquals(Reason.MALFORMED_KEY, assertThrows(VerificationException.class,
                () -> NoteSigner.parse("PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")).reason());
    }

    @Test
    void jdkKeyPair_signsNotesThatVerify_andTheRawKeyRoundTrips() throws Exception {
        var pair = Ed25519.generate();
        NoteSigner s = NoteSigner.ed25519("example.com/fresh", pair);
        byte[] raw = Ed25519.rawPublicKey(pair.getPublic());
        assertArrayEquals(raw, Ed25519.rawPublicKey(Ed25519.publicKey(raw)));
        Checkpoint c = new Checkpoint("example.com/fresh", 3, Merkle.emptyRoot());
        assertEquals(c, Checkpoint.open(c.sign(s).format(), NoteVerifier.parse(s.verifier().vkey())));
    }

    @SuppressWarnings("unchecked")
    static void run(Map<String, Object> f) throws Exception {
        String kind = (String) f.get("kind");
        String expect = (String) f.get("expect");
        List<String> vkeys = Json.strings(f.get("vkeys"));
        if (kind.equals("vkey")) {
            check(expect, () -> assertEquals(vkeys.get(0), NoteVerifier.parse(vkeys.get(0)).vkey()));
            return;
        }
        List<NoteVerifier> known = new ArrayList<>();
        for (String k : vkeys) known.add(NoteVerifier.parse(k));
        byte[] note = f.containsKey("noteBase64") ? Base64.getDecoder().decode((String) f.get("noteBase64"))
                : ((String) f.get("note")).getBytes(StandardCharsets.UTF_8);
        switch (kind) {
            case "note" -> check(expect, () -> {
                Note.Verified v = Note.parse(note).verify(known);
                assertEquals(f.get("text"), v.text());
                assertEquals(f.get("verified"), v.verified().stream().map(Note.Signature::name).toList());
                assertEquals(Json.num(f.getOrDefault("unknown", 0L)), v.unknown().size());
                if (f.containsKey("skey")) {
                    assertEquals(f.get("note"), Note.sign(v.text(), NoteSigner.parse((String) f.get("skey"))).format());
                }
            });
            case "checkpoint" -> check(expect, () -> {
                Checkpoint c = Checkpoint.open(note, (String) f.get("origin"), known.get(0));
                Map<String, Object> want = (Map<String, Object>) f.get("checkpoint");
                assertEquals(want.get("origin"), c.origin());
                assertEquals(Json.num(want.get("size")), c.size());
                assertEquals(want.get("root"), Hex.encode(c.rootHash()));
                assertEquals(want.get("extensions"), c.extensions());
                assertEquals(Note.parse(note).text(), c.text()); // parse and format are inverse
            });
            case "cosignature" -> check(expect, () -> {
                long timestamp = Cosignature.verify(Note.parse(note), known.get(0));
                assertEquals(Json.num(f.get("timestamp")), timestamp);
            });
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        }
    }

    static void check(String expect, MerkleVectorsTest.Check c) throws Exception {
        if (expect.equals("ok")) {
            MerkleVectorsTest.assertOk(c);
        } else {
            VerificationException e = assertThrows(VerificationException.class, c::run);
            assertEquals(Reason.valueOf(expect), e.reason(), e.getMessage());
        }
    }
}
