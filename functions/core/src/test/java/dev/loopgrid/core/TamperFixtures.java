package dev.loopgrid.core;

import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tamper fixtures under {@code src/test/resources/tamper/}: one honest chain and one file per kind of
 * tampering, each named for what it breaks ({@code kind@sequence}). This class generates them (run
 * {@link #main} once from the repository root; {@code ChainVerifierTest} checks the files still match) and
 * reads them back.
 *
 * <p>Format, JSON lines: the first line is the chain head {@code {"head":{"chain_id":…,"sequence":N,
 * "head_hash":…}}}, then one stored entry per line in storage order with {@code chain_id, sequence, type, id,
 * decision_id, recorded_at, content} (the exact canonical text that was hashed, as a JSON string),
 * {@code content_hash, previous_hash, chain_hash}.
 *
 * <p>The honest chain of {@code support-agent}: 1 decision A, 2 decision B, 3 flag on A, 4 correction of A,
 * 5 replay of B.
 */
final class TamperFixtures {
    static final String CHAIN = "support-agent";
    static final String DEC_A = "dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B";
    static final String DEC_B = "dec_Nd7Fg2Hj5Kl8Mn1Pq4Rs7T";
    static final String FLAG_A = "flg_Vb6Xc9Zd2Fe5Gh8Jk1Lm4N";
    static final String CORRECTION_A = "cor_Qw3Er6Ty9Ui2Op5As8Df1G";
    static final String REPLAY_B = "rep_Hj4Kl7Zx0Cv3Bn6Mq9Wd2E";
    /** The forged flag of {@code duplicate@3}. */
    static final String FORGED_FLAG = "flg_Fo9Rg3Ed6Fl8Ag2Xx5Yy7Z";
    /** The other chain's entry of {@code foreign-chain@2}. */
    static final String FOREIGN_DEC = "dec_Bi1Ll2In3Gz4Ag5En6Tt7X";

    /** A chain as stored: its head item and its entries in storage order. */
    record Chain(ChainHead head, List<Entry> entries) {}

    private TamperFixtures() {}

    /** Writes every fixture into {@code args[0]} (default: this module's {@code src/test/resources/tamper}). */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "functions/core/src/test/resources/tamper");
        Files.createDirectories(dir);
        for (Map.Entry<String, Chain> f : all().entrySet()) {
            Files.writeString(dir.resolve(f.getKey()), toJsonl(f.getValue()), StandardCharsets.UTF_8);
            System.out.println("wrote " + dir.resolve(f.getKey()));
        }
    }

    // ------------------------------------------------------------------ the fixtures

    static List<Entry> honestEntries() {
        List<Entry> es = new ArrayList<>();
        String prev = EntryHasher.GENESIS;
        prev = add(es, CHAIN, 1, EntryType.DECISION, DEC_A, DEC_A, "2026-11-23T20:12:00.123Z", prev,
                "{\"decision_type\":\"customer_support_reply\",\"input\":{\"message\":\"I was charged twice\"},"
                        + "\"metadata\":null,\"model\":{\"name\":\"gpt-4\",\"provider\":\"openai\"},"
                        + "\"output\":{\"response\":\"Your account looks fine.\"},\"prompt\":null,"
                        + "\"service_name\":\"support-agent\",\"tool_calls\":null}");
        prev = add(es, CHAIN, 2, EntryType.DECISION, DEC_B, DEC_B, "2026-11-23T20:12:01.456Z", prev,
                "{\"decision_type\":\"customer_support_reply\",\"input\":{\"message\":\"Gr\u00fc\u00dfe aus "
                        + "Z\u00fcrich \u2014 \ud83d\ude00\",\"tokens\":[12,3.5,1e+21,-0.000001]},"
                        + "\"metadata\":{\"\":null,\"tags\":[]},\"model\":{\"name\":\"claude\",\"provider\":\"anthropic\"},"
                        + "\"output\":{\"response\":\"Der Tarif kostet 12,50 \u20ac\\n\\\"netto\\\"\"},"
                        + "\"prompt\":\"Be kind.\",\"service_name\":\"support-agent\","
                        + "\"tool_calls\":[{\"args\":{},\"name\":\"lookup\"}]}");
        prev = add(es, CHAIN, 3, EntryType.FLAG, FLAG_A, DEC_A, "2026-11-23T20:15:30.000Z", prev,
                "{\"decision_id\":\"" + DEC_A + "\",\"reason\":\"Customer was charged twice; the reply denied it\"}");
        prev = add(es, CHAIN, 4, EntryType.CORRECTION, CORRECTION_A, DEC_A, "2026-11-23T20:16:02.789Z", prev,
                "{\"corrected_by\":\"agent_42\",\"correction\":{\"output\":{\"response\":\"We refunded the "
                        + "duplicate charge.\"}},\"decision_id\":\"" + DEC_A + "\",\"notes\":null}");
        add(es, CHAIN, 5, EntryType.REPLAY, REPLAY_B, DEC_B, "2026-11-23T20:20:00.000Z", prev,
                "{\"decision_id\":\"" + DEC_B + "\",\"mode\":\"simulated\",\"model\":\"gpt-4o\","
                        + "\"output\":{\"response\":\"Der Tarif kostet 12,50 \u20ac\"},\"overrides\":{\"model\":"
                        + "\"gpt-4o\"},\"provider\":\"openai\",\"replay_id\":\"" + REPLAY_B + "\"}");
        return List.copyOf(es);
    }

    /** Every fixture by file name, the honest chain first. */
    static Map<String, Chain> all() {
        List<Entry> honest = honestEntries();
        Map<String, Chain> m = new LinkedHashMap<>();
        m.put("honest.jsonl", new Chain(headAt(honest, 5), honest));

        // the flag's reason is edited in place; both hashes are left as they were
        List<Entry> es = new ArrayList<>(honest);
        Entry e3 = es.get(2);
        es.set(2, withContent(e3, e3.content().replace("denied it", "confirmed it")));
        m.put("content-changed@3.jsonl", new Chain(headAt(honest, 5), es));

        // the content and its content_hash are edited consistently, the chain_hash is not
        es = new ArrayList<>(honest);
        String edited = e3.content().replace("denied it", "confirmed it");
        es.set(2, withContentHash(withContent(e3, edited), EntryHasher.contentHash(edited)));
        m.put("content-hash-updated@3.jsonl", new Chain(headAt(honest, 5), es));

        // decision B's time is moved by one millisecond
        es = new ArrayList<>(honest);
        Entry e2 = es.get(1);
        es.set(1, new Entry(e2.chainId(), e2.sequence(), e2.type(), e2.id(), e2.decisionId(),
                "2026-11-23T20:12:01.457Z", e2.content(), e2.contentHash(), e2.previousHash(), e2.chainHash(), null));
        m.put("envelope-changed@2.jsonl", new Chain(headAt(honest, 5), es));

        // decision B is re-hashed onto genesis: its own hashes agree, its link does not
        es = new ArrayList<>(honest);
        es.set(1, relink(e2, EntryHasher.GENESIS));
        m.put("broken-link@2.jsonl", new Chain(headAt(honest, 5), es));

        // the flag (sequence 3) is deleted
        es = new ArrayList<>(honest);
        es.remove(2);
        m.put("gap@3.jsonl", new Chain(headAt(honest, 5), es));

        // a second, well-formed sequence 3 (a forged flag linked to decision B's entry) follows the real one
        es = new ArrayList<>(honest);
        String forged = "{\"decision_id\":\"" + DEC_B + "\",\"reason\":\"forged\"}";
        es.add(3, Entry.link(CHAIN, 3, EntryType.FLAG, FORGED_FLAG, DEC_B, "2026-11-23T20:15:31.000Z", forged,
                EntryHasher.contentHash(forged), honest.get(1).chainHash()));
        m.put("duplicate@3.jsonl", new Chain(headAt(honest, 5), es));

        // sequences 2 and 3 are stored swapped
        es = new ArrayList<>(honest);
        Collections.swap(es, 1, 2);
        m.put("reordered@2.jsonl", new Chain(headAt(honest, 5), es));

        // the last entry is gone, the head still names it
        m.put("truncated-head.jsonl", new Chain(headAt(honest, 5), honest.subList(0, 4)));

        // an entry stands after the one the head names
        m.put("entries-beyond-head.jsonl", new Chain(headAt(honest, 4), honest));

        // an entry of another chain (well-formed in its own chain) stands at sequence 2
        es = new ArrayList<>(honest);
        List<Entry> billing = new ArrayList<>();
        String p = add(billing, "billing-agent", 1, EntryType.DECISION, "dec_Bi1Ll0000000000000000X",
                "dec_Bi1Ll0000000000000000X", "2026-11-23T20:11:00.000Z", EntryHasher.GENESIS,
                "{\"decision_type\":\"refund\",\"input\":{},\"metadata\":null,\"model\":null,\"output\":{},"
                        + "\"prompt\":null,\"service_name\":\"billing-agent\",\"tool_calls\":null}");
        add(billing, "billing-agent", 2, EntryType.DECISION, FOREIGN_DEC, FOREIGN_DEC, "2026-11-23T20:12:00.500Z", p,
                "{\"decision_type\":\"refund\",\"input\":{\"amount\":12.5},\"metadata\":null,\"model\":null,"
                        + "\"output\":{\"approved\":true},\"prompt\":null,\"service_name\":\"billing-agent\","
                        + "\"tool_calls\":null}");
        es.add(1, billing.get(1));
        m.put("foreign-chain@2.jsonl", new Chain(headAt(honest, 5), es));

        // the flag is edited and every later entry re-hashed: only the head still remembers the original
        es = new ArrayList<>(honest.subList(0, 2));
        String prev = honest.get(1).chainHash();
        for (Entry e : honest.subList(2, 5)) {
            String content = e == e3 ? edited : e.content();
            Entry re = Entry.link(e.chainId(), e.sequence(), e.type(), e.id(), e.decisionId(), e.recordedAt(),
                    content, EntryHasher.contentHash(content), prev);
            es.add(re);
            prev = re.chainHash();
        }
        m.put("rewritten-from@3.jsonl", new Chain(headAt(honest, 5), es));
        return m;
    }

    private static String add(List<Entry> es, String chain, long seq, EntryType type, String id, String decisionId,
                              String recordedAt, String previousHash, String content) {
        if (!Canonical.canonicalize(Json.parseStored(content)).equals(content)) {
            throw new IllegalArgumentException("fixture content is not canonical: " + content);
        }
        Entry e = Entry.link(chain, seq, type, id, decisionId, recordedAt, content, EntryHasher.contentHash(content),
                previousHash);
        es.add(e);
        return e.chainHash();
    }

    private static ChainHead headAt(List<Entry> honest, long sequence) {
        Entry last = honest.get((int) sequence - 1);
        return new ChainHead(CHAIN, sequence, last.chainHash(), Map.of(), null, null); // times are not in the file
    }

    private static Entry withContent(Entry e, String content) {
        return new Entry(e.chainId(), e.sequence(), e.type(), e.id(), e.decisionId(), e.recordedAt(), content,
                e.contentHash(), e.previousHash(), e.chainHash(), null);
    }

    private static Entry withContentHash(Entry e, String contentHash) {
        return new Entry(e.chainId(), e.sequence(), e.type(), e.id(), e.decisionId(), e.recordedAt(), e.content(),
                contentHash, e.previousHash(), e.chainHash(), null);
    }

    private static Entry relink(Entry e, String previousHash) {
        return Entry.link(e.chainId(), e.sequence(), e.type(), e.id(), e.decisionId(), e.recordedAt(), e.content(),
                e.contentHash(), previousHash);
    }

    // ------------------------------------------------------------------ the file format

    static String toJsonl(Chain chain) {
        StringBuilder sb = new StringBuilder();
        ObjectNode head = Json.object();
        head.putObject("head")
                .put("chain_id", chain.head().chainId())
                .put("sequence", chain.head().sequence())
                .put("head_hash", chain.head().headHash());
        sb.append(Json.write(head)).append('\n');
        for (Entry e : chain.entries()) {
            ObjectNode o = Json.object();
            o.put("chain_id", e.chainId());
            o.put("sequence", e.sequence());
            o.put("type", e.type().wire());
            o.put("id", e.id());
            o.put("decision_id", e.decisionId());
            o.put("recorded_at", e.recordedAt());
            o.put("content", e.content());
            o.put("content_hash", e.contentHash());
            o.put("previous_hash", e.previousHash());
            o.put("chain_hash", e.chainHash());
            sb.append(Json.write(o)).append('\n');
        }
        return sb.toString();
    }

    static Chain parse(String jsonl) {
        List<Entry> entries = new ArrayList<>();
        ChainHead head = null;
        for (String line : jsonl.split("\n")) {
            if (line.isBlank()) continue;
            JsonNode n = Json.parseStored(line);
            if (head == null) {
                JsonNode h = n.required("head");
                head = new ChainHead(h.required("chain_id").textValue(), h.required("sequence").longValue(),
                        h.required("head_hash").textValue(), Map.of(), null, null);
                continue;
            }
            entries.add(new Entry(text(n, "chain_id"), n.required("sequence").longValue(),
                    EntryType.fromWire(text(n, "type")), text(n, "id"), text(n, "decision_id"),
                    text(n, "recorded_at"), text(n, "content"), text(n, "content_hash"), text(n, "previous_hash"),
                    text(n, "chain_hash"), null));
        }
        if (head == null) throw new IllegalArgumentException("fixture has no head line");
        return new Chain(head, List.copyOf(entries));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.textValue();
    }

    /** The raw text of fixture {@code name} from the test classpath. */
    static String read(String name) {
        try (InputStream in = TamperFixtures.class.getResourceAsStream("/tamper/" + name)) {
            if (in == null) throw new IllegalArgumentException("no fixture /tamper/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Chain load(String name) {
        return parse(read(name));
    }
}
