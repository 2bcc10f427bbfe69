package dev.loopgrid.core.auth;

class InMemoryApiKeyStoreContractTest extends ApiKeyStoreContract {
    @Override
    protected ApiKeyStore newStore() {
        return ApiKeyStore.inMemory();
    }
}
