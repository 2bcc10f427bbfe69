package dev.loopgrid.verifycli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.verify.Checkpoint;
import dev.loopgrid.verify.EntryBundle;
import dev.loopgrid.verify.EntryEnvelope;
import dev.loopgrid.verify.HashSource;
import dev.loopgrid.verify.Merkle;
import dev.loopgrid.verify.NoteSigner;
import dev.loopgrid.verify.Tile;
import dev.loopgrid.verify.TiledHashes;
import dev.loopgrid.verify.TlogProof;
import dev.loopgrid.verify.VerificationException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A LoopGrid log built in memory with the verify module alone, the way the integrator builds one: entries of several
 * chains (canonical envelopes, linked per chain) as RFC 9162 leaves, C2SP tiles and entry bundles, signed C2SP
 * checkpoints, receipts (C2SP tlog-proof with the envelope as extra) and consistency proofs.
 */
final class TestLog {
    static final String PREFIX = "log.example.test";
    static final String TENANT = "acme";
    static final String ORIGIN = PREFIX + "/" + TENANT;
    static final String GENESIS = "0".repeat(64);
    static final ObjectMapper JSON = new ObjectMapper();
    static final java.time.format.DateTimeFormatter TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

    final NoteSigner signer;
    final String origin;
    final List<EntryEnvelope> entries = new ArrayList<>();
    private final Map<String, EntryEnvelope> tips = new HashMap<>();
    private final String salt;

    /** A log signed with the key made from {@code seedByte}; {@code salt} changes every content hash (another history). */
    TestLog(int seedByte, String salt) {
        this(seedByte, salt, ORIGIN);
    }

    TestLog(int seedByte, String salt, String origin) {
        this.signer = signer(PREFIX, seedByte);
        this.salt = salt;
        this.origin = origin;
    }

    static NoteSigner signer(String name, int seedByte) {
        byte[] seed = new byte[32];
        java.util.Arrays.fill(seed, (byte) seedByte);
        try {
            return NoteSigner.ed25519(name, seed);
        } catch (VerificationException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String s) {
        return dev.loopgrid.verify.Receipt.sha256Hex(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends an entry to {@code chain}: a decision (id = decision id) or a flag of {@code decisionId}. */
    EntryEnvelope append(String chain, String type, String id, String decisionId, String contentHash) {
        EntryEnvelope tip = tips.get(chain);
        long seq = tip == null ? 1 : tip.sequence() + 1;
        String recordedAt = TIME.format(Instant.parse("2026-11-23T20:00:00Z").plusMillis(1234L * entries.size()));
        EntryEnvelope e = new EntryEnvelope(chain, seq, type, id, decisionId, recordedAt, contentHash,
                tip == null ? GENESIS : tip.chainHash());
        entries.add(e);
        tips.put(chain, e);
        return e;
    }

    /** Appends {@code n} decisions spread over chains {@code svc-0..svc-(chains-1)}. */
    void appendDecisions(int n, int chains) {
        for (int i = 0; i < n; i++) {
            int k = entries.size();
            String id = String.format("dec_%022d", k);
            append("svc-" + (k % chains), "decision", id, id, sha256(salt + "content " + k));
        }
    }

    List<byte[]> leafHashes(long size) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < size; i++) out.add(Merkle.leafHash(entries.get(i).bytes()));
        return out;
    }

    HashSource source(long size) {
        return HashSource.ofLeafHashes(leafHashes(size));
    }

    byte[] root(long size) {
        return Merkle.root(leafHashes(size));
    }

    /** The signed checkpoint note of the first {@code size} leaves. */
    String checkpoint(long size) {
        try {
            return new Checkpoint(origin, size, root(size)).sign(signer).format();
        } catch (VerificationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every tile and entry bundle a log of {@code size} leaves serves, by C2SP path. */
    Map<String, byte[]> tiles(long size) {
        Map<String, byte[]> out = new HashMap<>(TiledHashes.allTiles(source(size), size));
        for (Tile t : Tile.all(size)) {
            if (t.level() != 0) continue;
            List<byte[]> data = new ArrayList<>();
            for (long i = t.index() * Tile.WIDTH; i < t.index() * Tile.WIDTH + t.width(); i++) data.add(entries.get((int) i).bytes());
            out.put(t.entriesPath(), EntryBundle.encode(data));
        }
        return out;
    }

    /** The receipt of leaf {@code index} against the checkpoint of {@code size}, exactly as LogService builds one. */
    ObjectNode receipt(int index, long size) {
        return receipt(index, size, checkpoint(size));
    }

    ObjectNode receipt(int index, long size, String checkpoint) {
        EntryEnvelope e = entries.get(index);
        List<byte[]> proof = Merkle.inclusionProof(source(size), index, size);
        TlogProof p = new TlogProof(e.bytes(), index, proof, checkpoint);
        ObjectNode r = JSON.createObjectNode();
        r.put("format", "loopgrid-receipt/v1");
        r.put("origin", origin);
        ObjectNode n = r.putObject("entry");
        n.put("v", 1);
        n.put("chain_id", e.chainId());
        n.put("sequence", e.sequence());
        n.put("type", e.type());
        n.put("id", e.id());
        n.put("decision_id", e.decisionId());
        n.put("recorded_at", e.recordedAt());
        n.put("content_hash", e.contentHash());
        n.put("previous_hash", e.previousHash());
        n.put("chain_hash", e.chainHash());
        r.put("leaf_index", index);
        r.put("tree_size", size);
        r.put("tlog_proof", p.format());
        return r;
    }

    /** The consistency proof JSON the API serves. */
    ObjectNode consistency(long from, long to) {
        ObjectNode r = JSON.createObjectNode();
        r.put("origin", origin);
        r.put("from", from);
        r.put("to", to);
        var a = r.putArray("proof");
        for (byte[] h : Merkle.consistencyProof(source(to), from, to)) a.add(Base64.getEncoder().encodeToString(h));
        return r;
    }
}
