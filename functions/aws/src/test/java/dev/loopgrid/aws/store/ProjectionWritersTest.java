package dev.loopgrid.aws.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.decision.NewDecision;
import dev.loopgrid.core.decision.StatusChange;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.ProjectionChange;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/** Every projection change the core defines has exactly one writer here, and each writer pins its condition. */
class ProjectionWritersTest {
    private static final Entry ENTRY = Entry.link("svc", 3, EntryType.FLAG, "flg_1", "dec_1",
            "2026-12-04T10:00:00.000Z", "{}", "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "0".repeat(64));

    @Test
    void everyProjectionChangeOfTheCore_hasAWriter() {
        Set<JavaClass> changes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.loopgrid.core").stream()
                .filter(c -> !c.isInterface() && c.isAssignableTo(ProjectionChange.class))
                .collect(Collectors.toSet());
        assertEquals(8, changes.size(), "the core's projection changes: " + changes);
        ProjectionWriters standard = ProjectionWriters.standard();
        for (JavaClass c : changes) {
            assertTrue(standard.handles(c.reflect().asSubclass(ProjectionChange.class)), "no writer for " + c.getName());
        }
    }

    @Test
    void aChangeWithoutAWriter_isRefused_notSilentlyDropped() {
        ProjectionChange unknown = new ProjectionChange() {
            @Override
            public String projectionKey() {
                return "X1";
            }

            @Override
            public int approximateBytes(int storedContentBytes) {
                return 0;
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ProjectionWriters.standard().write("t", "tenant", ENTRY, unknown));
        assertTrue(e.getMessage().contains("no projection writer"), e.getMessage());
    }

    @Test
    void twoWritersForOneChange_areRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new ProjectionWriters(List.of(new NewDecisionWriter(), new NewDecisionWriter())));
    }

    @Test
    void aNewDecision_isPutOnlyIfAbsent_withItsModelLabelAndIndexKeys() {
        TransactWriteItem w = ProjectionWriters.standard().write("t", "tenant", ENTRY, new NewDecision("dec_1", "refund", "openai/gpt-4")).get(0);
        assertEquals("attribute_not_exists(pk)", w.put().conditionExpression());
        assertEquals("DEC#tenant#dec_1", w.put().item().get("pk").s());
        assertEquals("openai/gpt-4", w.put().item().get(DecisionItems.MODEL_LABEL).s());
        // dec_1's shards: printf %s dec_1 | sha256sum → b8cf2931…; 0xb8cf2931 mod 96 = 49, mod 16 = 1
        assertEquals("tenant#49", w.put().item().get("g_all").s());
        assertEquals("tenant#svc#01", w.put().item().get("g_svc").s());
        assertEquals("tenant#refund#49", w.put().item().get("g_type").s());
        assertEquals("tenant#recorded#49", w.put().item().get("g_status").s());
    }

    @Test
    void aVerdict_updatesOnlyFromTheStatusItRead() {
        TransactWriteItem w = ProjectionWriters.standard().write("t", "tenant", ENTRY,
                new StatusChange("dec_1", "refund", DecisionStatus.RECORDED, DecisionStatus.INCORRECT, "wrong", null,
                        null, null, "openai/gpt-4", "2026-12-04T09:00:00.000Z")).get(0);
        assertEquals("#status = :expected_status", w.update().conditionExpression());
        assertEquals("recorded", w.update().expressionAttributeValues().get(":expected_status").s());
        assertEquals("tenant#incorrect#49", w.update().expressionAttributeValues().get(":g_status").s(),
                "the shard the decision was written to");
        assertFalse(w.update().updateExpression().contains("correction"));
    }
}
