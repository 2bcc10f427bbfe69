package dev.loopgrid.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.core.ledger.Ledger;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the functions read their append settings from the environment: defaults, accepted values, refused ones. */
class AppEnvironmentTest {
    @Test
    void appendMode_isStagedByDefault_directOnRequest_andRefusesAnythingElse() {
        assertEquals(Ledger.Policy.stagedDefaults(), App.appendPolicy(Map.of()));
        assertTrue(App.appendPolicy(Map.of()).directWhenAlone(), "a lone writer appends directly on Lambda");
        assertEquals(Ledger.Policy.stagedDefaults(), App.appendPolicy(Map.of("LOOPGRID_APPEND_MODE", " Staged ")));
        assertEquals(Ledger.Policy.defaults(), App.appendPolicy(Map.of("LOOPGRID_APPEND_MODE", "direct")));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> App.appendPolicy(Map.of("LOOPGRID_APPEND_MODE", "fast")));
        assertTrue(e.getMessage().contains("staged or direct"), e.getMessage());
    }

    @Test
    void stagePartitions_default24_anyCountFrom1To32_andNothingElse() {
        assertEquals(LedgerKeys.DEFAULT_STAGE_PARTITIONS, App.stagePartitions(Map.of()));
        assertEquals(24, App.stagePartitions(Map.of("LOOPGRID_STAGE_PARTITIONS", "")));
        assertEquals(1, App.stagePartitions(Map.of("LOOPGRID_STAGE_PARTITIONS", "1")));
        assertEquals(32, App.stagePartitions(Map.of("LOOPGRID_STAGE_PARTITIONS", " 32 ")));
        for (String bad : new String[] {"0", "33", "-1", "8.5", "eight", "99999999999"}) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> App.stagePartitions(Map.of("LOOPGRID_STAGE_PARTITIONS", bad)), bad);
            assertTrue(e.getMessage().contains("from 1 to 32") && e.getMessage().contains(bad), e.getMessage());
        }
    }
}
