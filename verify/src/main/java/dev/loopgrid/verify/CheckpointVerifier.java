package dev.loopgrid.verify;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Verifies receipts (an inclusion proof against a signed checkpoint) for one log, remembering the last
 * {@code capacity} checkpoints whose signature it verified, keyed by their exact note text. Many receipts share a
 * checkpoint, and the JDK's Ed25519 verify costs about 0.5 ms on JDK 17 (measured: docs/verification.md), so the
 * signature is checked once per distinct checkpoint and each further receipt costs the Merkle walk only.
 * Thread-safe.
 */
public final class CheckpointVerifier {
    private final String origin;
    private final NoteVerifier logKey;
    private final Map<String, Checkpoint> verified;

    /** A verifier for checkpoints of {@code origin} signed by {@code logKey}, remembering up to {@code capacity}. */
    public CheckpointVerifier(String origin, NoteVerifier logKey, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be positive");
        this.origin = origin;
        this.logKey = logKey;
        this.verified = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Checkpoint> eldest) {
                return size() > capacity;
            }
        };
    }

    /** {@link Checkpoint#open(String, String, NoteVerifier)}, answered from memory for a note already verified. */
    public Checkpoint open(String signedNote) throws VerificationException {
        synchronized (verified) {
            Checkpoint c = verified.get(signedNote);
            if (c != null) return c;
        }
        Checkpoint c = Checkpoint.open(signedNote, origin, logKey);
        synchronized (verified) {
            verified.put(signedNote, c);
        }
        return c;
    }

    /**
     * Verifies that {@code leafHash} is leaf {@code index} of the tree the signed checkpoint commits to, and returns
     * that checkpoint.
     *
     * @throws VerificationException from the checkpoint ({@link Checkpoint#open}) or the proof ({@link Merkle#verifyInclusion})
     */
    public Checkpoint verifyInclusion(String signedCheckpoint, long index, byte[] leafHash, List<byte[]> proof)
            throws VerificationException {
        Checkpoint c = open(signedCheckpoint);
        Merkle.verifyInclusion(index, c.size(), leafHash, proof, c.rootHash());
        return c;
    }
}
