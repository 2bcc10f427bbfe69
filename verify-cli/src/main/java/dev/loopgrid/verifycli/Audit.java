package dev.loopgrid.verifycli;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.loopgrid.verify.Checkpoint;
import dev.loopgrid.verify.EntryBundle;
import dev.loopgrid.verify.EntryEnvelope;
import dev.loopgrid.verify.Merkle;
import dev.loopgrid.verify.NoteVerifier;
import dev.loopgrid.verify.Tile;
import dev.loopgrid.verify.VerificationException;
import java.io.IOException;
import java.io.PrintStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The auditor: downloads every entry bundle of the log up to its latest signed checkpoint, recomputes every leaf hash
 * and the root and compares it with the signed root (so the bundles are exactly the signed log), checks that every
 * entry is a canonical LoopGrid envelope (docs/ledger-format.md), and that the envelopes of each chain link: sequences
 * 1, 2, 3… in log order, each {@code previous_hash} the SHA-256 of the chain's previous envelope.
 */
final class Audit {
    private static final Set<String> MEMBERS = Set.of("v", "chain_id", "sequence", "type", "id", "decision_id",
            "recorded_at", "content_hash", "previous_hash");
    private static final String GENESIS = "0".repeat(64);
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** One chain's state while walking the log. */
    private record ChainTip(long sequence, String chainHash, long leaf) {}

    private final LogClient client;
    private final NoteVerifier key;
    private final String origin;
    private final PrintStream out;

    Audit(LogClient client, NoteVerifier key, String origin, PrintStream out) {
        this.client = client;
        this.key = key;
        this.origin = origin;
        this.out = out;
    }

    void run() throws CliException {
        Optional<byte[]> served = client.checkpoint();
        if (served.isEmpty()) {
            out.println("OK: the log has no checkpoint yet; nothing to audit");
            return;
        }
        Checkpoint cp = Checkpoints.open(served.get(), key, origin, "checkpoint").checkpoint();
        long size = cp.size();
        RootBuilder root = new RootBuilder();
        Map<String, ChainTip> chains = new HashMap<>();
        long leaf = 0;
        for (Tile t : Tile.all(size)) {
            if (t.level() != 0) continue;
            String path = t.entriesPath();
            List<byte[]> entries;
            try {
                entries = EntryBundle.decode(client.tile(path));
            } catch (VerificationException e) {
                throw CliException.invalid("INVALID: entry bundle " + path + " is malformed: " + e.getMessage());
            }
            if (entries.size() != t.width()) {
                throw CliException.invalid("INVALID: entry bundle " + path + " holds " + entries.size() + " entries, needs "
                        + t.width());
            }
            for (byte[] data : entries) {
                root.add(Merkle.leafHash(data));
                check(leaf, data, chains);
                leaf++;
            }
        }
        byte[] computed = root.root();
        if (!Arrays.equals(computed, cp.rootHash())) {
            throw CliException.invalid("INVALID: the " + size + " entries served rebuild root " + b64(computed)
                    + ", but the signed checkpoint's root is " + b64(cp.rootHash()) + " — the entry bundles are not the signed log");
        }
        out.println("OK: audited " + size + " entries in " + chains.size() + " chain" + (chains.size() == 1 ? "" : "s") + " of "
                + cp.origin() + "; they rebuild the signed root " + b64(cp.rootHash()) + " (key " + key.name() + "+"
                + key.keyIdHex() + "); every entry is a canonical envelope and every chain links");
    }

    private void check(long leaf, byte[] data, Map<String, ChainTip> chains) throws CliException {
        JsonNode j;
        try {
            j = STRICT.readTree(data);
        } catch (IOException e) {
            throw CliException.invalid("INVALID: leaf " + leaf + " is not JSON: " + e.getMessage());
        }
        if (j == null || !j.isObject() || j.size() != MEMBERS.size()) throw notEnvelope(leaf, "not an object of the nine envelope members");
        for (String m : MEMBERS) {
            JsonNode n = j.get(m);
            boolean ok = n != null && (m.equals("v") || m.equals("sequence") ? n.isIntegralNumber() && n.canConvertToLong() : n.isTextual());
            if (!ok) throw notEnvelope(leaf, "member " + m + " is missing or of the wrong type");
        }
        EntryEnvelope env;
        try {
            env = new EntryEnvelope(j.get("chain_id").textValue(), j.get("sequence").asLong(), j.get("type").textValue(),
                    j.get("id").textValue(), j.get("decision_id").textValue(), j.get("recorded_at").textValue(),
                    j.get("content_hash").textValue(), j.get("previous_hash").textValue());
            if (j.get("v").asLong() != EntryEnvelope.VERSION) throw notEnvelope(leaf, "v is " + j.get("v"));
            if (!Arrays.equals(env.bytes(), data)) throw notEnvelope(leaf, "its bytes are not the canonical (RFC 8785) envelope");
        } catch (IllegalArgumentException e) {
            throw notEnvelope(leaf, e.getMessage());
        }
        ChainTip tip = chains.get(env.chainId());
        String where = "leaf " + leaf + " (chain \"" + env.chainId() + "\" sequence " + env.sequence() + ")";
        if (tip == null) {
            if (env.sequence() != 1 || !env.previousHash().equals(GENESIS)) {
                throw CliException.invalid("INVALID: " + where + " is the chain's first entry in the log but is not sequence 1"
                        + " linking to 64 zeros");
            }
        } else {
            if (env.sequence() != tip.sequence() + 1) {
                throw CliException.invalid("INVALID: " + where + " follows sequence " + tip.sequence() + " (leaf " + tip.leaf()
                        + "): sequences must be consecutive");
            }
            if (!MessageDigest.isEqual(env.previousHash().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    tip.chainHash().getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
                throw CliException.invalid("INVALID: " + where + " has previous_hash " + env.previousHash()
                        + ", but the chain's previous envelope (leaf " + tip.leaf() + ") hashes to " + tip.chainHash());
            }
        }
        chains.put(env.chainId(), new ChainTip(env.sequence(), env.chainHash(), leaf));
    }

    private static CliException notEnvelope(long leaf, String why) {
        return CliException.invalid("INVALID: leaf " + leaf + " is not a canonical LoopGrid envelope: " + why);
    }

    private static String b64(byte[] b) {
        return java.util.Base64.getEncoder().encodeToString(b);
    }

    /** The RFC 9162 root of leaves appended one by one, keeping one hash per level (a compact range from 0). */
    static final class RootBuilder {
        private final List<byte[]> stack = new ArrayList<>(); // roots of complete subtrees, largest first
        private final List<Integer> heights = new ArrayList<>();

        void add(byte[] leafHash) {
            byte[] h = leafHash;
            int height = 0;
            while (!heights.isEmpty() && heights.get(heights.size() - 1) == height) {
                h = Merkle.nodeHash(stack.remove(stack.size() - 1), h);
                heights.remove(heights.size() - 1);
                height++;
            }
            stack.add(h);
            heights.add(height);
        }

        byte[] root() {
            if (stack.isEmpty()) return Merkle.emptyRoot();
            byte[] r = stack.get(stack.size() - 1);
            for (int i = stack.size() - 2; i >= 0; i--) r = Merkle.nodeHash(stack.get(i), r);
            return r;
        }
    }
}
