package dev.loopgrid.verify;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Makes the fixtures of vectors/notes/: known answers from the C2SP spec texts and golang.org/x/mod/sumdb/note's
 * tests, and one fixture per forged or malformed note, key or checkpoint, made with our fixed test keys. Ed25519
 * is deterministic, so the output is stable; {@code NoteFixturesTest} checks the files equal what this makes.
 *
 * <p>Regenerate: {@code mvn -B -o -pl verify test-compile}, then in verify/
 * {@code java -cp target/classes:target/test-classes dev.loopgrid.verify.NoteFixtures}
 */
final class NoteFixtures {
    static final String LOG = "example.com/loopgrid-test-log";
    static final String WITNESS = "witness.example/w1";
    static final long COSIGN_TIME = 1_767_225_600L; // 2026-01-01T00:00:00Z

    /** Test key seeds: SHA-256 of a label, so anyone can recompute them (they are public: tests only). */
    static byte[] seed(String label) {
        return Merkle.sha256().digest(label.getBytes(StandardCharsets.UTF_8));
    }

    static final String SEED_RECIPE = "seed = SHA-256(label) over the UTF-8 label; "
            + "log label \"loopgrid test log key\", other \"loopgrid test other key\", witness \"loopgrid test witness key\"";

    final NoteSigner log;
    final NoteSigner other;
    final NoteSigner otherSameName;
    final NoteSigner witness;
    final NoteSigner witnessAsPlain;
    final byte[] root8 = Hex.decode("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

    NoteFixtures() throws VerificationException {
        log = NoteSigner.ed25519(LOG, seed("loopgrid test log key"));
        other = NoteSigner.ed25519("example.com/other-log", seed("loopgrid test other key"));
        otherSameName = NoteSigner.ed25519(LOG, seed("loopgrid test other key"));
        KeyPair w = Ed25519.keyPair(seed("loopgrid test witness key"));
        witness = NoteSigner.cosigner(WITNESS, w, () -> COSIGN_TIME);
        witnessAsPlain = NoteSigner.ed25519(WITNESS, seed("loopgrid test witness key"));
    }

    /** File name → content. */
    Map<String, Map<String, Object>> all() throws VerificationException {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        knownAnswers(out);
        ours(out);
        return out;
    }

    private void knownAnswers(Map<String, Map<String, Object>> out) {
        String c2spNote = "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
        out.put("kat-c2sp-signed-note-example", fixture("note", "The example of c2sp.org/signed-note §Verifier keys: this vkey verifies this note.",
                "https://github.com/C2SP/C2SP/blob/5ba5ee830903e91240fc6f9f3a7a9293d49e69c9/signed-note.md",
                List.of("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"), c2spNote, "ok",
                Map.of("text", "This is an example message.\n", "verified", List.of("example.com/foo"))));
        String text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
        String peterSig = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        String enochSig = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
        String peter = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        String enoch = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
        String sumdb = "https://github.com/golang/mod/blob/fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db/sumdb/note/note_test.go";
        Map<String, Object> sign = fixture("note", "TestSign of golang.org/x/mod/sumdb/note: signing the text with this signer key "
                + "(PRIVATE+KEY+name+id+base64(0x01 || seed)) gives exactly this note (Ed25519 is deterministic).",
                sumdb, List.of(peter), text + "\n" + peterSig, "ok", Map.of("text", text, "verified", List.of("PeterNeumann")));
        sign.put("skey", "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
        out.put("kat-sumdb-sign", sign);
        out.put("kat-sumdb-two-signatures-one-known", fixture("note", "TestOpen: two signatures, only PeterNeumann's key known; "
                + "EnochRoot's signature is ignored.", sumdb, List.of(peter), text + "\n" + peterSig + enochSig, "ok",
                Map.of("text", text, "verified", List.of("PeterNeumann"), "unknown", 1)));
        out.put("kat-sumdb-two-signatures-both-known", fixture("note", "TestOpen: both keys known, both verify.", sumdb,
                List.of(peter, enoch), text + "\n" + peterSig + enochSig, "ok",
                Map.of("text", text, "verified", List.of("PeterNeumann", "EnochRoot"))));
        out.put("kat-sumdb-invalid-signature", fixture("note", "TestOpen \"Invalid signature\": ABCD inserted into PeterNeumann's "
                + "signature; a failing signature by a known key rejects the note.", sumdb, List.of(peter),
                text + "\n" + peterSig.substring(0, 60) + "ABCD" + peterSig.substring(60), "BAD_SIGNATURE", Map.of()));
        out.put("kat-sumdb-no-known-key", fixture("note", "TestOpen \"both unverified\": no configured key signed the note.", sumdb,
                List.of(), text + "\n" + peterSig + enochSig, "UNKNOWN_KEY", Map.of()));
        String[][] badKeys = {
            {"vkey-sumdb-wrong-length", "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", "TestNewVerifier: a key of the wrong length, with adjusted key ID"},
            {"vkey-sumdb-unknown-type", "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "TestNewVerifier: unknown signature type 0x65, with adjusted key ID"},
            {"vkey-wrong-key-id", "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key ID off by one"},
            {"vkey-uppercase-hex", "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key ID must be lower-case hex"},
            {"vkey-missing-part", "PeterNeumann+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "no key ID"},
            {"vkey-not-a-curve-point", "example.com/not-a-point+3a693f4f+AQIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "32 bytes that decode to no point of the curve (y = 2), with a matching key ID"},
            {"vkey-unpadded-base64", "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2", "base64 one character short"},
        };
        for (String[] k : badKeys) {
            out.put(k[0], fixture("vkey", k[2] + ".", k[0].contains("sumdb") ? sumdb : "ours", List.of(k[1]), null, "MALFORMED_KEY", Map.of()));
        }
        out.put("vkey-valid-c2sp-example", fixture("vkey", "The vkey of the c2sp.org/signed-note example; key ID = "
                + "SHA-256(\"example.com/foo\" || 0x0a || 0x01 || key)[:4].",
                "https://github.com/C2SP/C2SP/blob/5ba5ee830903e91240fc6f9f3a7a9293d49e69c9/signed-note.md",
                List.of("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"), null, "ok", Map.of()));
    }

    private void ours(Map<String, Map<String, Object>> out) throws VerificationException {
        List<String> logKey = List.of(log.verifier().vkey());
        Checkpoint cp = new Checkpoint(LOG, 8, root8);
        String cpText = cp.text();
        Note signed = cp.sign(log);
        String good = signed.format();
        Map<String, Object> cpOk = Map.of("checkpoint", Map.of("origin", LOG, "size", 8L, "root", Hex.encode(root8), "extensions", List.of()));
        out.put("checkpoint-valid", cpFixture("A checkpoint of the reference tree of 8 leaves, signed by the test log key.", good, logKey, "ok", cpOk));
        Checkpoint empty = new Checkpoint(LOG, 0, Merkle.emptyRoot());
        out.put("checkpoint-empty-tree", cpFixture("The empty tree: size 0, root SHA-256().", empty.sign(log).format(), logKey, "ok",
                Map.of("checkpoint", Map.of("origin", LOG, "size", 0L, "root", Hex.encode(Merkle.emptyRoot()), "extensions", List.of()))));
        Checkpoint ext = new Checkpoint(LOG, 8, root8, List.of("extension line 1", "— not a signature: extension lines are opaque"));
        Note extNote = ext.sign(log, witness);
        out.put("checkpoint-extensions-and-cosignature", cpFixture("Two extension lines; signed by the log and cosigned "
                + "(cosignature/v1, type 0x04) by the test witness; only the log key is configured.", extNote.format(), logKey, "ok",
                Map.of("checkpoint", Map.of("origin", LOG, "size", 8L, "root", Hex.encode(root8), "extensions", ext.extensions()))));
        Map<String, Object> cos = fixture("cosignature", "The witness's cosignature of the checkpoint above, verified with its 0x04 vkey; "
                + "signed message = \"cosignature/v1\\ntime " + COSIGN_TIME + "\\n\" || checkpoint text.", "ours",
                List.of(witness.verifier().vkey()), extNote.format(), "ok", Map.of("timestamp", COSIGN_TIME));
        out.put("cosignature-valid", cos);
        String witnessLine = extNote.signatures().get(1).line();
        byte[] wsig = extNote.signatures().get(1).signature();
        wsig[7] ^= 1; // timestamp + 1 second
        out.put("cosignature-wrong-timestamp", fixture("cosignature", "The cosignature's timestamp changed by one second.", "ours",
                List.of(witness.verifier().vkey()), extNote.format().replace(witnessLine,
                        new Note.Signature(WITNESS, witness.verifier().keyId(), wsig).line()), "BAD_SIGNATURE", Map.of()));
        out.put("cosignature-checked-as-plain-ed25519", fixture("note", "The witness key configured as a plain Ed25519 (0x01) "
                + "key: its key ID differs, so the cosignature is not by a known key.", "ours",
                List.of(witnessAsPlain.verifier().vkey()), extNote.format(), "UNKNOWN_KEY", Map.of()));

        // forged
        out.put("checkpoint-other-key", cpFixture("Signed by another log's key.", cp.sign(other).format(), logKey, "UNKNOWN_KEY", Map.of()));
        out.put("checkpoint-other-key-same-name", cpFixture("Signed by another key under the log's name: the key ID differs.",
                cp.sign(otherSameName).format(), logKey, "UNKNOWN_KEY", Map.of()));
        Note.Signature forged = new Note.Signature(LOG, log.verifier().keyId(), otherSameName.sign(cpText).signature());
        out.put("checkpoint-forged-key-id", cpFixture("Another key's signature presented under the log's name and key ID.",
                cpText + "\n" + forged.line(), logKey, "BAD_SIGNATURE", Map.of()));
        byte[] flipped = signed.signatures().get(0).signature();
        flipped[10] ^= 0x01;
        out.put("checkpoint-bad-signature", cpFixture("One bit of the signature flipped.", cpText + "\n"
                + new Note.Signature(LOG, log.verifier().keyId(), flipped).line(), logKey, "BAD_SIGNATURE", Map.of()));
        String sigLine = signed.signatures().get(0).line();
        out.put("checkpoint-modified-size", cpFixture("Size changed from 8 to 7 after signing.", cpText.replace("\n8\n", "\n7\n")
                + "\n" + sigLine, logKey, "BAD_SIGNATURE", Map.of()));
        out.put("checkpoint-modified-root", cpFixture("Root replaced by the root of the tree of 7 after signing.",
                cpText.replace(Base64.getEncoder().encodeToString(root8), Base64.getEncoder().encodeToString(
                        Hex.decode("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"))) + "\n" + sigLine,
                logKey, "BAD_SIGNATURE", Map.of()));
        Checkpoint otherOrigin = new Checkpoint("example.com/another-origin", 8, root8);
        out.put("checkpoint-wrong-origin", cpFixture("Validly signed by the log key, but the origin line is not the log's.",
                otherOrigin.sign(log).format(), logKey, "ORIGIN_MISMATCH", Map.of()));
        out.put("checkpoint-empty-line-between-signatures", cpFixture("A blank line between two signature lines: the text then "
                + "ends at the last blank line and includes the first signature line, which the signature does not cover.",
                cpText + "\n" + sigLine + "\n" + sigLine, logKey, "BAD_SIGNATURE", Map.of()));

        // malformed checkpoints, validly signed so only parsing fails
        String[][] badBodies = {
            {"checkpoint-size-leading-zero", LOG + "\n08\n" + b64(root8) + "\n", "size with a leading zero"},
            {"checkpoint-size-plus-sign", LOG + "\n+8\n" + b64(root8) + "\n", "size with a plus sign"},
            {"checkpoint-negative-size", LOG + "\n-1\n" + b64(root8) + "\n", "negative size"},
            {"checkpoint-size-too-large", LOG + "\n9223372036854775808\n" + b64(root8) + "\n", "size 2^63 (sizes are at most 2^63-1)"},
            {"checkpoint-two-lines", LOG + "\n8\n", "no root line"},
            {"checkpoint-root-31-bytes", LOG + "\n8\n" + b64(java.util.Arrays.copyOf(root8, 31)) + "\n", "root hash of 31 bytes"},
            {"checkpoint-root-unpadded-base64", LOG + "\n8\n" + b64(root8).replace("=", "") + "\n", "root hash base64 without padding"},
            {"checkpoint-empty-origin", "\n8\n" + b64(root8) + "\n", "empty origin line"},
        };
        for (String[] b : badBodies) {
            out.put(b[0], cpFixture("Validly signed note whose text is not a checkpoint: " + b[2] + ".",
                    b[1] + "\n" + log.sign(b[1]).line(), logKey, "MALFORMED_CHECKPOINT", Map.of()));
        }

        // notes: valid shapes
        String multi = "first paragraph\n\nsecond paragraph, after an empty line\n";
        out.put("note-empty-line-in-text", fixture("note", "Note text may contain empty lines; the signatures start after the last one.",
                "ours", logKey, Note.sign(multi, log).format(), "ok", Map.of("text", multi, "verified", List.of(LOG))));
        List<Note.Signature> sixteen = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            sixteen.add(NoteSigner.ed25519("example.com/unknown-" + i, seed("loopgrid test unknown key " + i)).sign(cpText));
        }
        out.put("note-16-unknown-signatures-and-the-log", cpFixture("17 signatures (16 by unknown keys, then the log's): "
                + "verifiers must accept at least 16.", signed.withSignatures(sixteen).format(), logKey, "ok", cpOk));

        // notes: not canonical
        List<String> hundredAndOne = new ArrayList<>();
        for (int i = 0; i < 101; i++) hundredAndOne.add(sigLine);
        String b64sig = sigLine.substring(sigLine.lastIndexOf(' ') + 1, sigLine.length() - 1);
        String[][] badNotes = {
            {"note-missing-final-newline", good.substring(0, good.length() - 1), "no newline after the last signature line"},
            {"note-crlf", good.replace("\n", "\r\n"), "CRLF line endings (CR is a control character)"},
            {"note-no-blank-line", cpText + sigLine, "no blank line between text and signatures"},
            {"note-no-signatures", cpText + "\n", "text and blank line, no signature line"},
            {"note-blank-line-after-signatures", good + "\n", "a blank line after the signatures"},
            {"note-101-signatures", cpText + "\n" + String.join("", hundredAndOne), "101 signature lines (we accept at most 100)"},
            {"note-bad-base64", cpText + "\n— " + LOG + " " + b64sig.substring(0, 20) + "!!!!" + b64sig.substring(24) + "\n", "signature with non-base64 characters"},
            {"note-unpadded-base64", cpText + "\n— " + LOG + " " + b64sig.replace("=", "") + "\n", "signature base64 without its padding"},
            {"note-name-with-space", cpText + "\n— example.com/loopgrid test " + b64sig + "\n", "key name with a space"},
            {"note-name-with-plus", cpText + "\n— example.com/a+b " + b64sig + "\n", "key name with a plus"},
            {"note-name-with-no-break-space", cpText + "\n— example.com/a\u00a0b " + b64sig + "\n", "key name with U+00A0 NO-BREAK SPACE"},
            {"note-empty-name", cpText + "\n—  " + b64sig + "\n", "empty key name"},
            {"note-hyphen-instead-of-em-dash", cpText + "\n- " + LOG + " " + b64sig + "\n", "signature line starting with '-' instead of U+2014"},
            {"note-double-space", cpText + "\n— " + LOG + "  " + b64sig + "\n", "two spaces between name and signature"},
            {"note-short-signature", cpText + "\n— " + LOG + " " + b64(new byte[] {1, 2, 3, 4}) + "\n", "signature of 4 bytes: a key ID and nothing else"},
            {"note-tab-in-text", cpText.replace("\n8\n", "\n8\t\n") + "\n" + sigLine, "a tab (control character) in the text"},
        };
        for (String[] b : badNotes) out.put(b[0], cpFixture("Not a canonical signed note: " + b[2] + ".", b[1], logKey, "MALFORMED_NOTE", Map.of()));
        byte[] utf8 = good.getBytes(StandardCharsets.UTF_8);
        utf8[3] = (byte) 0xff;
        Map<String, Object> bad = cpFixture("Not a canonical signed note: invalid UTF-8 (byte 0xff) in the origin.", null, logKey, "MALFORMED_NOTE", Map.of());
        bad.remove("note");
        bad.put("noteBase64", Base64.getEncoder().encodeToString(utf8));
        out.put("note-invalid-utf8", bad);
    }

    private Map<String, Object> cpFixture(String description, String note, List<String> vkeys, String expect, Map<String, Object> extra) {
        Map<String, Object> f = fixture("checkpoint", description, "ours", vkeys, note, expect, extra);
        f.put("origin", LOG);
        return f;
    }

    private static Map<String, Object> fixture(String kind, String description, String source, List<String> vkeys, String note,
            String expect, Map<String, Object> extra) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("kind", kind);
        f.put("description", description);
        f.put("source", source);
        if (source.equals("ours")) f.put("keys", SEED_RECIPE + "; made by verify/src/test/java/dev/loopgrid/verify/NoteFixtures.java");
        f.put("vkeys", vkeys);
        if (note != null) f.put("note", note);
        f.put("expect", expect);
        f.putAll(new TreeMap<>(extra));
        return f;
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    // ---- a small JSON writer ----

    static String toJson(Object o, String indent) {
        if (o == null) return "null";
        if (o instanceof String s) return quote(s);
        if (o instanceof Number || o instanceof Boolean) return o.toString();
        String in = indent + " ";
        if (o instanceof Map<?, ?> m0) {
            if (m0.isEmpty()) return "{}";
            // keep insertion order where there is one; sort Map.of's (its order changes from run to run)
            Map<?, ?> m = m0 instanceof LinkedHashMap<?, ?> ? m0 : new TreeMap<>(m0);
            StringBuilder sb = new StringBuilder("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(in).append(quote(e.getKey().toString())).append(": ").append(toJson(e.getValue(), in));
                sb.append(++i < m.size() ? ",\n" : "\n");
            }
            return sb.append(indent).append('}').toString();
        }
        if (o instanceof List<?> l) {
            if (l.isEmpty()) return "[]";
            StringBuilder sb = new StringBuilder("[\n");
            for (int i = 0; i < l.size(); i++) sb.append(in).append(toJson(l.get(i), in)).append(i + 1 < l.size() ? ",\n" : "\n");
            return sb.append(indent).append(']').toString();
        }
        throw new IllegalArgumentException(o.getClass().toString());
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Json.VECTORS.resolve("notes");
        Files.createDirectories(dir);
        for (Map.Entry<String, Map<String, Object>> e : new NoteFixtures().all().entrySet()) {
            Files.writeString(dir.resolve(e.getKey() + ".json"), toJson(e.getValue(), "") + "\n", StandardCharsets.UTF_8);
        }
        System.out.println("wrote " + dir);
    }
}
