package dev.loopgrid.local.store;

import dev.loopgrid.aws.auth.DynamoApiKeyStore;
import dev.loopgrid.core.auth.ApiKeyStore;
import dev.loopgrid.core.auth.ApiKeyStoreContract;
import dev.loopgrid.local.EmbeddedDynamo;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The API key store contract against DynamoDB Local through the real AWS SDK. */
class DynamoApiKeyStoreContractTest extends ApiKeyStoreContract {
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
    protected ApiKeyStore newStore() {
        String table = "keys-" + UUID.randomUUID().toString().substring(0, 8);
        dynamo.ensureTable(table);
        return new DynamoApiKeyStore(dynamo.client(), table);
    }
}
