package dev.loopgrid.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each entry type's content layout, built by {@link EntryType#content()}: known-answer vectors (the same as in
 * docs/ledger-format.md; recompute with the {@code printf … | sha256sum} line above each), and the builder's refusal
 * of any other shape.
 */
class EntryContentTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode json(String text) throws Exception {
        return (ObjectNode) JSON.readTree(text);
    }

    @Test
    void decision_isTheEightMembers_absentOnesNull() throws Exception {
        EntryContent c = EntryType.DECISION.content()
                .set("service_name", "support-agent").set("decision_type", "customer_support_reply")
                .set("input", json("{\"message\":\"I was charged twice\"}"))
                .set("model", json("{\"provider\":\"openai\",\"name\":\"gpt-4\"}"))
                .set("output", json("{\"response\":\"Your account looks fine.\"}"))
                .set("prompt", (String) null).set("tool_calls", (String) null).set("metadata", (String) null).build();
        // printf '%s' '{"decision_type":"customer_support_reply","input":{"message":"I was charged twice"},"metadata":null,"model":{"name":"gpt-4","provider":"openai"},"output":{"response":"Your account looks fine."},"prompt":null,"service_name":"support-agent","tool_calls":null}' | sha256sum
        assertEquals("19c79b06474a7af33c18536e33a0768e0ce9cfe1d788f30454c9e76c04558041", c.hash());
        assertEquals(EntryType.DECISION, c.type());
    }

    @Test
    void flag_isDecisionIdAndReason() {
        EntryContent c = EntryType.FLAG.content().set("decision_id", "dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B")
                .set("reason", "Customer was charged twice; the reply denied it").build();
        assertEquals("{\"decision_id\":\"dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B\",\"reason\":\"Customer was charged twice; the reply denied it\"}",
                c.canonical());
        // printf '%s' '{"decision_id":"dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B","reason":"Customer was charged twice; the reply denied it"}' | sha256sum
        assertEquals("8c47ee557a0d412d9803b49f72d107f6df9f235f04b6766e740baa74e76512f0", c.hash());
    }

    @Test
    void correction_isDecisionIdCorrectionCorrectedByNotes() throws Exception {
        EntryContent c = EntryType.CORRECTION.content().set("decision_id", "dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B")
                .set("correction", json("{\"response\":\"We refunded the duplicate charge.\"}"))
                .set("corrected_by", "agent@example.com").set("notes", "Duplicate charge confirmed in billing").build();
        // printf '%s' '{"corrected_by":"agent@example.com","correction":{"response":"We refunded the duplicate charge."},"decision_id":"dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B","notes":"Duplicate charge confirmed in billing"}' | sha256sum
        assertEquals("44d20d37b0f4c0d763536e88f17119b5625013a877d9f2d2073eef1c935f412b", c.hash());
    }

    @Test
    void replay_isTheNineMembers() throws Exception {
        EntryContent c = EntryType.REPLAY.content().set("decision_id", "dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B")
                .set("replay_id", "rep_Qw3Er6Ty9Ui2Op5As8Df1Gh")
                .set("overrides", json("{\"prompt\":{\"text\":\"Check billing first.\"}}"))
                .set("output", json("{\"response\":\"We refunded the duplicate charge.\"}"))
                .set("mode", "simulated").set("provider", "openai").set("model", "gpt-4").set("status", "completed")
                .set("error", (String) null).build();
        // printf '%s' '{"decision_id":"dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B","error":null,"mode":"simulated","model":"gpt-4","output":{"response":"We refunded the duplicate charge."},"overrides":{"prompt":{"text":"Check billing first."}},"provider":"openai","replay_id":"rep_Qw3Er6Ty9Ui2Op5As8Df1Gh","status":"completed"}' | sha256sum
        assertEquals("86e920035fa9721973d45e7e61a0f156de924dcdc9d5b3c4d4b3b96bae70dcc3", c.hash());
        assertEquals(9, EntryType.REPLAY.members().size());
    }

    @Test
    void confirmation_isDecisionIdConfirmedByNotes() {
        EntryContent c = EntryType.CONFIRMATION.content().set("decision_id", "dec_Nd7Fg2Hj5Kl8Mn1Pq4Rs7T")
                .set("confirmed_by", "reviewer@example.com").set("notes", "Checked against the billing history").build();
        assertEquals("{\"confirmed_by\":\"reviewer@example.com\",\"decision_id\":\"dec_Nd7Fg2Hj5Kl8Mn1Pq4Rs7T\","
                + "\"notes\":\"Checked against the billing history\"}", c.canonical());
        // printf '%s' '{"confirmed_by":"reviewer@example.com","decision_id":"dec_Nd7Fg2Hj5Kl8Mn1Pq4Rs7T","notes":"Checked against the billing history"}' | sha256sum
        assertEquals("d9f9053f2fd785003827b4e1a51553020107eb260e615ca510fa168238fa987e", c.hash());
        assertEquals("confirmation", EntryType.CONFIRMATION.wire());
    }

    @Test
    void aMemberOutsideTheLayout_isRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EntryType.FLAG.content().set("notes", "x"));
        assertTrue(e.getMessage().contains("flag content has no member \"notes\""), e.getMessage());
    }

    @Test
    void everyLayoutMember_mustBeSet_beforeTheContentIsBuilt() {
        for (EntryType t : EntryType.values()) {
            List<String> members = new ArrayList<>(t.members());
            for (String left : members) {
                EntryContent.Builder b = t.content();
                for (String m : members) if (!m.equals(left)) b.set(m, (String) null);
                IllegalStateException e = assertThrows(IllegalStateException.class, b::build, t + " without " + left);
                assertTrue(e.getMessage().contains("lacks \"" + left + "\""), e.getMessage());
            }
        }
    }

    @Test
    void wireNames_roundTrip_andUnknownOnesAreRefused() {
        for (EntryType t : EntryType.values()) assertEquals(t, EntryType.fromWire(t.wire()));
        assertThrows(IllegalArgumentException.class, () -> EntryType.fromWire("shred"));
    }
}
