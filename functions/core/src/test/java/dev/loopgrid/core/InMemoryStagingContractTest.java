package dev.loopgrid.core;

import java.time.Clock;

/** The in-memory fake passes the same staging contract as DynamoDB (see StagingContractDynamoTest in local/). */
class InMemoryStagingContractTest extends StagingContract {
    @Override
    protected StagingLedgerStore newStore(Clock clock) {
        return new InMemoryLedgerStore(clock);
    }
}
