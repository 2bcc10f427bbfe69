package dev.loopgrid.core.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.core.decision.CounterGroups.Family;
import dev.loopgrid.core.decision.CounterGroups.Slot;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.EntryType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CounterGroupsTest {

    @Test
    void slot_mapsEveryCounterToItsGroupAndField_andBack() {
        Map<String, Slot> cases = Map.ofEntries(
                Map.entry(ChainHead.ENTRIES, new Slot(Family.TOTAL, "", "entries")),
                Map.entry(ChainHead.entriesOfType(EntryType.FLAG), new Slot(Family.TOTAL, "", "entries:flag")),
                Map.entry(Counters.DECISIONS, new Slot(Family.TOTAL, "", "decisions")),
                Map.entry(Counters.status(DecisionStatus.CORRECTED), new Slot(Family.TOTAL, "", "status:corrected")),
                Map.entry(Counters.verdictSeconds(17), new Slot(Family.TOTAL, "", "verdict_s:17")),
                Map.entry("replays:failed", new Slot(Family.TOTAL, "", "replays:failed")),
                Map.entry(Counters.type("refund:v2"), new Slot(Family.TYPE, "refund:v2", "type")),
                Map.entry(Counters.typeStatus("a:b", DecisionStatus.INCORRECT), new Slot(Family.TYPE, "a:b", "type_status:incorrect")),
                Map.entry(Counters.model("openai/gpt:4"), new Slot(Family.MODEL, "openai/gpt:4", "model")),
                Map.entry(Counters.modelStatus("p/m", DecisionStatus.CONFIRMED), new Slot(Family.MODEL, "p/m", "model_status:confirmed")),
                Map.entry(Counters.latency("p/m", 40), new Slot(Family.MODEL, "p/m", "latency_ms:40")),
                Map.entry(Counters.usageDecisions("p/m"), new Slot(Family.MODEL, "p/m", "usage")),
                Map.entry(Counters.tokensIn("p/m"), new Slot(Family.MODEL, "p/m", "tokens_in")),
                Map.entry(Counters.tokensOut("p/m"), new Slot(Family.MODEL, "p/m", "tokens_out")),
                Map.entry(Counters.tokensTotal("p/m"), new Slot(Family.MODEL, "p/m", "tokens_total")),
                Map.entry(Counters.week("2026-W48"), new Slot(Family.WEEK, "2026-W48", "week")),
                Map.entry(Counters.weekStatus("2026-W48", DecisionStatus.RECORDED), new Slot(Family.WEEK, "2026-W48", "week_status:recorded")));
        cases.forEach((counter, slot) -> {
            assertEquals(slot, CounterGroups.slot(counter), counter);
            assertEquals(counter, slot.counter());
            assertEquals(counter, CounterGroups.counter(slot.family(), slot.group(), slot.field()));
        });
    }

    @Test
    void slot_ofAnUnknownOrIncompleteName_isATotal() {
        assertEquals(new Slot(Family.TOTAL, "", "custom:x"), CounterGroups.slot("custom:x"));
        assertEquals(new Slot(Family.TOTAL, "", "type_status:recorded"), CounterGroups.slot("type_status:recorded"));
        assertTrue(Family.TYPE.capped());
        assertTrue(Family.MODEL.capped());
        assertFalse(Family.WEEK.capped());
        assertFalse(Family.TOTAL.capped());
    }

    @Test
    void groupName_keepsNamesUpTo400Bytes_andBoundsLongerOnes() {
        String short100 = "é".repeat(100);
        assertEquals(short100, CounterGroups.groupName(short100));
        String long1 = "m".repeat(5000);
        String long2 = "m".repeat(4999) + "n";
        String g1 = CounterGroups.groupName(long1);
        assertTrue(g1.getBytes(StandardCharsets.UTF_8).length <= CounterGroups.MAX_NAME_BYTES, g1);
        assertTrue(g1.startsWith("m".repeat(64) + "…#"), g1);
        assertNotEquals(g1, CounterGroups.groupName(long2));
        assertEquals(g1, CounterGroups.groupName(long1));
        String emoji = "😀".repeat(200); // 800 bytes, surrogate pairs: cut on a code point
        assertEquals("😀".repeat(64), CounterGroups.groupName(emoji).substring(0, 128));
    }

    @Test
    void fold_admitsNewNamesUpToTheCap_inCounterOrder_andFoldsTheRestIntoOther() {
        Map<String, Long> d = new TreeMap<>();
        d.put(Counters.DECISIONS, 3L);
        for (String t : List.of("c", "a", "b")) {
            d.put(Counters.type(t), 1L);
            d.put(Counters.typeStatus(t, DecisionStatus.RECORDED), 1L);
        }
        d.put(Counters.model("p/x"), 3L);
        d.put(Counters.week("2026-W48"), 3L);
        CounterGroups.Folded f = CounterGroups.fold(d, Map.of(Family.TYPE, Set.of("z")), 3);
        assertEquals(Map.of(Family.TYPE, Set.of("a", "b"), Family.MODEL, Set.of("p/x")), f.admit());
        assertTrue(f.admits(Family.TYPE));
        assertFalse(f.admits(Family.WEEK));
        assertEquals(1, f.deltas().get(Counters.type("a")));
        assertEquals(1, f.deltas().get(Counters.type("b")));
        assertEquals(1, f.deltas().get(Counters.type(CounterGroups.OTHER)));
        assertEquals(1, f.deltas().get(Counters.typeStatus(CounterGroups.OTHER, DecisionStatus.RECORDED)));
        assertFalse(f.deltas().containsKey(Counters.type("c")));
        assertEquals(3, f.deltas().get(Counters.DECISIONS));
        assertEquals(3, f.deltas().get(Counters.week("2026-W48")));
    }

    @Test
    void fold_keepsAdmittedNames_andWhenFull_foldsWithoutAdmitting() {
        Map<String, Long> d = Map.of(Counters.type("a"), 1L, Counters.type("new"), 1L,
                Counters.typeStatus("new", DecisionStatus.RECORDED), -1L,
                Counters.typeStatus("new", DecisionStatus.INCORRECT), 1L,
                Counters.typeStatus("x", DecisionStatus.RECORDED), 1L,
                Counters.typeStatus("y", DecisionStatus.RECORDED), -1L);
        CounterGroups.Folded f = CounterGroups.fold(d, Map.of(Family.TYPE, Set.of("a", "b")), 2);
        assertTrue(f.admit().isEmpty());
        assertEquals(Map.of(Counters.type("a"), 1L, Counters.type(CounterGroups.OTHER), 1L,
                Counters.typeStatus(CounterGroups.OTHER, DecisionStatus.INCORRECT), 1L,
                Counters.typeStatus(CounterGroups.OTHER, DecisionStatus.RECORDED), -1L), f.deltas(),
                "x's +1 and y's -1 cancel out under other; zero sums are left out");
    }

    @Test
    void fold_neverAdmitsOther_andCountsLongNamesUnderTheirGroupName() {
        String longModel = "p/" + "m".repeat(600);
        Map<String, Long> d = Map.of(Counters.model(CounterGroups.OTHER), 1L, Counters.model(longModel), 1L);
        CounterGroups.Folded f = CounterGroups.fold(d, Map.of(), 5);
        assertEquals(Map.of(Family.MODEL, Set.of(CounterGroups.groupName(longModel))), f.admit());
        assertEquals(1, f.deltas().get(Counters.model(CounterGroups.OTHER)));
        assertEquals(1, f.deltas().get(Counters.model(CounterGroups.groupName(longModel))));
    }

    @Test
    void other_cannotBeARecordedTypeOrModelLabel() {
        com.fasterxml.jackson.databind.node.ObjectNode body = dev.loopgrid.core.Json.object();
        body.put("service_name", "svc").put("decision_type", CounterGroups.OTHER);
        body.putObject("input");
        body.putObject("output");
        body.putObject("model").put("provider", "(other)").put("name", "x");
        dev.loopgrid.core.ledger.LedgerException.Invalid e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.loopgrid.core.ledger.LedgerException.Invalid.class, () -> DecisionService.decisionContent(body));
        assertTrue(e.errors().stream().anyMatch(x -> x.field().equals("decision_type")), e.getMessage());
        body.put("decision_type", "(other) ");
        assertEquals("(other)/x", Counters.modelLabel(DecisionService.decisionContent(body).get("model")),
                "a recorded decision's label always has a slash");
    }
}
