package dev.loopgrid.local.store;

import dev.loopgrid.core.LedgerStore;
import dev.loopgrid.core.StagingContract;
import dev.loopgrid.local.EmbeddedDynamo;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The staging contract against DynamoDB Local through the real AWS SDK. */
class StagingContractDynamoTest extends StagingContract {
    static EmbeddedDynamo dynamo;

    @BeforeAll
    static void start() throws Exception {
        dynamo = EmbeddedDynamo.start(null);
    }

    @AfterAll
    static void stop() {
        if (dynamo != null) dynamo.close();
    }

    @Override
    protected LedgerStore newStore(Clock clock) {
        String table = "staging-" + UUID.randomUUID().toString().substring(0, 8);
        dynamo.ensureTable(table);
        return StoreTestSupport.dynamoStore(dynamo.client(), table, clock);
    }
}
