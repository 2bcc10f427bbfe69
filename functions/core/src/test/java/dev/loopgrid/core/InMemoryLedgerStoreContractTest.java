package dev.loopgrid.core;

import java.time.Clock;

/** The in-memory fake passes the same contract as DynamoDB (see DynamoLedgerStoreContractTest in local/). */
class InMemoryLedgerStoreContractTest extends LedgerStoreContract {
    @Override
    protected LedgerStore newStore(Clock clock) {
        return new InMemoryLedgerStore(clock);
    }
}
