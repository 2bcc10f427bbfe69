package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.template;

import dev.loopgrid.aws.store.LedgerTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

class LedgerTableTemplateTest {

    @Test
    void ledger_isOneClassicTable_notAGlobalTable() {
        template().resourceCountIs("AWS::DynamoDB::Table", 1);
        template().resourceCountIs("AWS::DynamoDB::GlobalTable", 0);
    }

    @Test
    void ledger_isOnDemand_withPitr_deletionProtection_andTtl() {
        template().hasResourceProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "BillingMode", "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
                "DeletionProtectionEnabled", true,
                "TimeToLiveSpecification", Map.of("AttributeName", LedgerTable.TTL_ATTRIBUTE, "Enabled", true))));
    }

    @Test
    void ledger_isRetained_whenTheStackGoes() {
        template().hasResource("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "DeletionPolicy", "Retain",
                "UpdateReplacePolicy", "Retain")));
    }

    @Test
    void ledger_hasTheStoresKeys_andExactlyItsIndexes() {
        List<Object> indexes = new ArrayList<>();
        for (String[] index : LedgerTable.INDEXES) {
            indexes.add(Match.objectEquals(Map.of(
                    "IndexName", index[0],
                    "KeySchema", List.of(
                            Map.of("AttributeName", index[1], "KeyType", "HASH"),
                            Map.of("AttributeName", LedgerTable.LIST_SORT_KEY, "KeyType", "RANGE")),
                    "Projection", Map.of("ProjectionType", "INCLUDE",
                            "NonKeyAttributes", LedgerTable.INDEX_ATTRIBUTES))));
        }
        template().hasResourceProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "KeySchema", List.of(
                        Map.of("AttributeName", LedgerTable.PK, "KeyType", "HASH"),
                        Map.of("AttributeName", LedgerTable.SK, "KeyType", "RANGE")),
                // arrayEquals: no index more, none less, in the store's order
                "GlobalSecondaryIndexes", Match.arrayEquals(indexes))));
    }
}
