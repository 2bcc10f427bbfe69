package dev.loopgrid.verify;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A JMH-free timing loop (not a test): warm verification of an inclusion proof plus the checkpoint that carries its
 * root, in a tree of 100 million leaves (27-hash proof). Prints microseconds per operation, median of batches.
 *
 * <p>Run from the repository root: {@code mvn -B -o -q -pl verify test-compile} then
 * {@code java -cp verify/target/classes:verify/target/test-classes dev.loopgrid.verify.VerifyBench}
 */
public final class VerifyBench {
    public static void main(String[] args) throws Exception {
        int batches = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int perBatch = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        Random rnd = new Random(1);
        long size = 100_000_000L;
        long index = 73_456_789L;
        byte[] leaf = Merkle.leafHash("a decision commitment".getBytes(StandardCharsets.UTF_8));
        List<byte[]> proof = new ArrayList<>();
        for (int i = 0; i < Merkle.inclusionProofLength(index, size); i++) {
            byte[] h = new byte[32];
            rnd.nextBytes(h);
            proof.add(h);
        }
        byte[] root = Merkle.rootFromInclusionProof(index, size, leaf, proof); // a consistent (synthetic) tree
        NoteSigner log = NoteSigner.ed25519("example.com/bench-log", NoteFixtures.seed("bench"));
        NoteVerifier vkey = NoteVerifier.parse(log.verifier().vkey());
        String note = new Checkpoint("example.com/bench-log", size, root).sign(log).format();

        Op full = () -> {
            Checkpoint c = Checkpoint.open(note, vkey);
            Merkle.verifyInclusion(index, c.size(), leaf, proof, c.rootHash());
        };
        CheckpointVerifier receipts = new CheckpointVerifier("example.com/bench-log", vkey, 16);
        Op cached = () -> receipts.verifyInclusion(note, index, leaf, proof);
        Op inclusionOnly = () -> Merkle.verifyInclusion(index, size, leaf, proof, root);
        Op checkpointOnly = () -> Checkpoint.open(note, vkey);
        Note parsed = Note.parse(note);
        byte[] text = parsed.text().getBytes(StandardCharsets.UTF_8);
        byte[] sig = parsed.signatures().get(0).signature();
        java.security.PublicKey pub = Ed25519.publicKey(vkey.publicKey());
        Op ed25519Only = () -> {
            if (!Ed25519.verify(pub, text, sig)) throw new AssertionError();
        };
        System.out.printf("JDK %s, %d-hash inclusion proof, %d batches x %d%n", Runtime.version(), proof.size(), batches, perBatch);
        for (int round = 0; round < 2; round++) { // round 0 is warm-up
            report(round == 0 ? "warm-up  inclusion+checkpoint" : "inclusion proof + signed checkpoint", full, batches, perBatch, round == 1);
            report("same, checkpoint already verified", cached, batches, perBatch, round == 1);
            report("inclusion proof only", inclusionOnly, batches, perBatch, round == 1);
            report("checkpoint (parse + Ed25519)", checkpointOnly, batches, perBatch, round == 1);
            report("JDK Ed25519 verify alone", ed25519Only, batches, perBatch, round == 1);
        }
    }

    interface Op {
        void run() throws Exception;
    }

    static void report(String name, Op op, int batches, int perBatch, boolean print) throws Exception {
        double[] us = new double[batches];
        for (int b = 0; b < batches; b++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < perBatch; i++) op.run();
            us[b] = (System.nanoTime() - t0) / 1_000.0 / perBatch;
        }
        Arrays.sort(us);
        if (print) System.out.printf("%-38s median %7.1f µs/op (min %.1f, max %.1f)%n", name, us[batches / 2], us[0], us[batches - 1]);
    }
}
