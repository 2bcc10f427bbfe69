package dev.loopgrid.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.loopgrid.verify.VerificationException.Reason;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointVerifierTest {
    @Test
    void receipt_verifies_thenAForgedCheckpointOrProofStillFails() throws Exception {
        // given a log of 300 leaves and its signed checkpoint
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < 300; i++) leaves.add(Merkle.leafHash(("entry " + i).getBytes()));
        HashSource src = HashSource.ofLeafHashes(leaves);
        NoteSigner log = NoteSigner.ed25519("example.com/log", NoteFixtures.seed("checkpoint verifier test"));
        String note = new Checkpoint("example.com/log", 300, Merkle.root(src, 300)).sign(log).format();
        CheckpointVerifier v = new CheckpointVerifier("example.com/log", log.verifier(), 2);

        // when receipts are verified (the second one from the remembered checkpoint)
        assertEquals(300, v.verifyInclusion(note, 7, leaves.get(7), Merkle.inclusionProof(src, 7, 300)).size());
        assertEquals(300, v.verifyInclusion(note, 299, leaves.get(299), Merkle.inclusionProof(src, 299, 300)).size());

        // then a wrong proof against the remembered checkpoint, and a forged checkpoint, still fail
        assertEquals(Reason.ROOT_MISMATCH, assertThrows(VerificationException.class,
                () -> v.verifyInclusion(note, 8, leaves.get(7), Merkle.inclusionProof(src, 8, 300))).reason());
        String forged = note.replace("\n300\n", "\n301\n");
        assertEquals(Reason.BAD_SIGNATURE, assertThrows(VerificationException.class,
                () -> v.verifyInclusion(forged, 7, leaves.get(7), Merkle.inclusionProof(src, 7, 300))).reason());
        NoteSigner other = NoteSigner.ed25519("example.com/log", NoteFixtures.seed("another key"));
        String otherKey = new Checkpoint("example.com/log", 300, Merkle.root(src, 300)).sign(other).format();
        assertEquals(Reason.UNKNOWN_KEY, assertThrows(VerificationException.class, () -> v.open(otherKey)).reason());
    }
}
