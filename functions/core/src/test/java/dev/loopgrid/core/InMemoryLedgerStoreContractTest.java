package dev.loopgrid.core;

import java.time.Clock;

/** The in-memory fake passes the same contract as DynamoDB (see DynamoLedgerStoreContractTest in local/). */
class InMemoryLedgerStoreContractTest extends LedgerStoreContract {
    @Override
    protected LedgerStore newStore(Clock clock) {
        return new InMemoryLedgerStore(clock);
    }

    /** The in-memory storage is the instance (one process, no caches): one capped instance, which the contract then uses. */
    @Override
    protected LedgerStore sameStorage(Clock clock, int maxNames) {
        if (capped == null) {
            capped = new InMemoryLedgerStore(clock, maxNames);
            store = capped;
        }
        return capped;
    }

    private InMemoryLedgerStore capped;
}
