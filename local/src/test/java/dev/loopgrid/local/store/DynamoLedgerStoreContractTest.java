package dev.loopgrid.local.store;

import dev.loopgrid.core.LedgerStore;
import dev.loopgrid.core.LedgerStoreContract;
import dev.loopgrid.local.EmbeddedDynamo;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The ledger store contract against DynamoDB Local through the real AWS SDK. */
class DynamoLedgerStoreContractTest extends LedgerStoreContract {
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
        table = "contract-" + UUID.randomUUID().toString().substring(0, 8);
        dynamo.ensureTable(table);
        return StoreTestSupport.dynamoStore(dynamo.client(), table, clock);
    }

    /** A new adapter over the same table: another process, with its own caches of admitted names. */
    @Override
    protected LedgerStore sameStorage(Clock clock, int maxNames) {
        return StoreTestSupport.dynamoStore(dynamo.client(), table, clock, maxNames);
    }

    private String table;
}
