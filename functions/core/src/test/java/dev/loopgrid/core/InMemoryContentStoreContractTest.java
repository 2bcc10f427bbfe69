package dev.loopgrid.core;

import dev.loopgrid.core.decision.ContentStore;

/** The in-memory fake passes the same contract as S3 (see S3ContentStoreContractTest in local/). */
class InMemoryContentStoreContractTest extends ContentStoreContract {
    private InMemoryContentStore memory;

    @Override
    protected ContentStore newStore() {
        memory = new InMemoryContentStore();
        return memory;
    }

    @Override
    protected void overwrite(String key, byte[] bytes) {
        memory.overwrite(key, bytes);
    }
}
