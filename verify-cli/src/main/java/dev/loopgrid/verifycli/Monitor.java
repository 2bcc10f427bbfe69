package dev.loopgrid.verifycli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.verify.Checkpoint;
import dev.loopgrid.verify.Merkle;
import dev.loopgrid.verify.Note;
import dev.loopgrid.verify.NoteSigner;
import dev.loopgrid.verify.NoteVerifier;
import dev.loopgrid.verify.VerificationException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The witness: fetches the log's latest checkpoint, checks its signature, and checks it is consistent with the last one
 * it kept — a larger tree must extend the old one (consistency proof), the same size must have the same root (else
 * the log showed two different trees: a fork, or a split view), a smaller size is a rollback. Only a checkpoint that
 * passes replaces the kept one (written to a temporary file, then renamed), and every run appends a line to the
 * history. With a cosigner key the monitor also cosigns what it accepted (C2SP tlog-cosignature).
 */
final class Monitor {
    static final String CHECKPOINT = "checkpoint";
    static final String COSIGNED = "checkpoint.cosigned";
    static final String HISTORY = "history";

    private final LogClient client;
    private final NoteVerifier key;
    private final String origin;
    private final Path dir;
    private final NoteSigner cosigner;
    private final PrintStream out;

    Monitor(LogClient client, NoteVerifier key, String origin, Path dir, NoteSigner cosigner, PrintStream out) {
        this.client = client;
        this.key = key;
        this.origin = origin;
        this.dir = dir;
        this.cosigner = cosigner;
        this.out = out;
    }

    void run() throws CliException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw CliException.usage("cannot create the state directory " + dir + ": " + e.getMessage());
        }
        Optional<byte[]> served = client.checkpoint();
        if (served.isEmpty()) {
            out.println("OK: the log has no checkpoint yet; nothing to check");
            return;
        }
        Checkpoints.Opened now = Checkpoints.open(served.get(), key, origin, "checkpoint");
        Checkpoint cp = now.checkpoint();
        Path kept = dir.resolve(CHECKPOINT);
        if (!Files.exists(kept)) {
            accept(now, "first checkpoint");
            out.println("OK: first checkpoint of " + cp.origin() + " at size " + cp.size() + ", root " + root(cp)
                    + " (kept in " + kept + ")");
            return;
        }
        Checkpoint old;
        try {
            old = Checkpoints.open(Files.readAllBytes(kept), key, cp.origin(), "kept checkpoint").checkpoint();
        } catch (IOException e) {
            throw CliException.usage("cannot read " + kept + ": " + e.getMessage());
        } catch (CliException e) {
            throw CliException.usage("the kept checkpoint " + kept + " is not a checkpoint of this log (" + e.getMessage()
                    + "); use another --state directory per log");
        }
        if (cp.size() < old.size()) {
            history(cp, "ROLLBACK from " + old.size());
            evidence(now.note(), "rollback");
            throw CliException.invalid("ROLLBACK: the log now serves a checkpoint of size " + cp.size() + ", smaller than size "
                    + old.size() + " it signed before (kept in " + kept + ")");
        }
        if (cp.size() == old.size()) {
            if (!java.util.Arrays.equals(cp.rootHash(), old.rootHash())) {
                Path ev = evidence(now.note(), "fork");
                history(cp, "FORK at " + old.size());
                throw CliException.invalid("FORK: the log signed two different trees of size " + cp.size() + ": root " + root(cp)
                        + " now, root " + root(old) + " before — a split view or a rewritten log (both signed checkpoints: "
                        + kept + " and " + ev + ")");
            }
            accept(now, "unchanged");
            out.println("OK: unchanged, size " + cp.size() + ", root " + root(cp));
            return;
        }
        if (old.size() > 0) {
            List<byte[]> proof = consistencyProof(old.size(), cp.size(), cp.origin());
            try {
                Merkle.verifyConsistency(old.size(), cp.size(), proof, old.rootHash(), cp.rootHash());
            } catch (VerificationException e) {
                Path ev = evidence(now.note(), "inconsistent");
                history(cp, "INCONSISTENT with " + old.size());
                throw CliException.invalid("FORK: the checkpoint of size " + cp.size() + " is not an extension of the one of size "
                        + old.size() + " kept before — the log was rewritten or shows different views (" + e.getMessage()
                        + "; new checkpoint saved as " + ev + ")");
            }
        }
        accept(now, "consistent with " + old.size());
        out.println("OK: size " + old.size() + " → " + cp.size() + ", consistent; root " + root(cp));
    }

    private List<byte[]> consistencyProof(long from, long to, String origin) throws CliException {
        JsonNode j = ReceiptJson.read(client.consistency(from, to), "the consistency proof");
        if (!j.path("origin").asText("").equals(origin) || j.path("from").asLong(-1) != from || j.path("to").asLong(-1) != to
                || !j.path("proof").isArray()) {
            throw CliException.invalid("FORK: the log answered a consistency proof for another log or other sizes: "
                    + abbreviate(j.toString()));
        }
        List<byte[]> proof = new ArrayList<>();
        for (JsonNode h : j.get("proof")) {
            try {
                proof.add(Base64.getDecoder().decode(h.asText()));
            } catch (IllegalArgumentException e) {
                throw CliException.invalid("FORK: the consistency proof holds a hash that is not base64: " + h);
            }
        }
        return proof;
    }

    private void accept(Checkpoints.Opened now, String what) throws CliException {
        writeAtomically(dir.resolve(CHECKPOINT), now.note().format().getBytes(StandardCharsets.UTF_8));
        if (cosigner != null) {
            try {
                Note cosigned = now.note().withSignatures(List.of(cosigner.sign(now.note().text())));
                writeAtomically(dir.resolve(COSIGNED), cosigned.format().getBytes(StandardCharsets.UTF_8));
                out.println("cosigned by " + cosigner.name() + "+" + cosigner.verifier().keyIdHex() + " (" + dir.resolve(COSIGNED) + ")");
            } catch (VerificationException e) {
                throw CliException.usage("cannot cosign: " + e.getMessage());
            }
        }
        history(now.checkpoint(), "OK " + what);
    }

    private void history(Checkpoint cp, String what) throws CliException {
        String line = Instant.now() + " " + cp.origin() + " " + cp.size() + " " + root(cp) + " " + what + "\n";
        try {
            Files.writeString(dir.resolve(HISTORY), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw CliException.usage("cannot append to " + dir.resolve(HISTORY) + ": " + e.getMessage());
        }
    }

    /** Keeps a checkpoint that contradicts the kept one: with it, the two signed notes prove the log misbehaved. */
    private Path evidence(Note note, String kind) throws CliException {
        Path p = dir.resolve("evidence-" + kind + "-" + System.currentTimeMillis() + ".checkpoint");
        writeAtomically(p, note.format().getBytes(StandardCharsets.UTF_8));
        return p;
    }

    static void writeAtomically(Path target, byte[] bytes) throws CliException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw CliException.usage("cannot write " + target + ": " + e.getMessage());
        }
    }

    static String root(Checkpoint cp) {
        return Base64.getEncoder().encodeToString(cp.rootHash());
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
