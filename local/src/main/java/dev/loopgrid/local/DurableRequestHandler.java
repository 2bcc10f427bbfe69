package dev.loopgrid.local;

import software.amazon.awssdk.services.dynamodb.model.ExecuteTransactionRequest;
import software.amazon.awssdk.services.dynamodb.model.ExecuteTransactionResponse;
import software.amazon.awssdk.services.dynamodb.model.ListTablesRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.dynamodb.services.exceptions.DynamoDBLocalServiceException;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBRequestHandler;

/**
 * DynamoDB Local's request handler, made to answer a transaction only once it is committed.
 *
 * <p>DynamoDB Local 3.3.1 runs every SQLite statement on one sqlite4java {@code SQLiteQueue} thread. Its
 * {@code SQLiteDBAccess.commitTransaction} puts the {@code COMMIT} job on that queue and returns without waiting for it
 * (unlike {@code beginTransaction} and every other read or write, which wait for their job), so
 * {@code TransactWriteItems} — and PartiQL's {@code ExecuteTransaction} — answer success while the commit may still be
 * queued. A process killed in that window loses a transaction the client was told had succeeded; after a restart the
 * ledger's head is back before it and later appends take its sequence numbers.
 *
 * <p>The fix: after a transaction succeeds, one small read ({@code ListTables} with limit 1) that goes through the same
 * queue and is waited for. The queue runs its jobs one at a time in order, so when the read is answered the
 * {@code COMMIT} queued before it has run; SQLite (rollback journal, its default {@code synchronous=FULL}, which
 * DynamoDB Local does not change) has then written and synced the transaction. The cost is the wait for that commit,
 * which the next request on the queue waited for anyway.
 *
 * <p>It also keeps table descriptions in memory between requests ({@link SchemaCache}).
 */
final class DurableRequestHandler extends LocalDynamoDBRequestHandler {

    DurableRequestHandler(boolean inMemory, String dbPath, boolean sharedDb, boolean delayTransientStatuses)
            throws DynamoDBLocalServiceException {
        super(0, inMemory, dbPath, sharedDb, delayTransientStatuses);
        this.schemaCached = SchemaCache.install(this, schemaReads);
    }

    private final java.util.concurrent.atomic.AtomicLong schemaReads = new java.util.concurrent.atomic.AtomicLong();
    private final boolean schemaCached;

    /** Whether table descriptions are cached ({@link SchemaCache}). */
    boolean schemaCached() {
        return schemaCached;
    }

    /** Table-description lookups that reached SQLite since start (with the cache: one per table and change). */
    long schemaReads() {
        return schemaReads.get();
    }

    @Override
    public TransactWriteItemsResponse transactWriteItems(String accessKey, String region, TransactWriteItemsRequest request) {
        TransactWriteItemsResponse r = super.transactWriteItems(accessKey, region, request);
        awaitQueued(accessKey, region);
        return r;
    }

    @Override
    public ExecuteTransactionResponse executeTransaction(String accessKey, String region, ExecuteTransactionRequest request) {
        ExecuteTransactionResponse r = super.executeTransaction(accessKey, region, request);
        awaitQueued(accessKey, region);
        return r;
    }

    private static final ListTablesRequest BARRIER = ListTablesRequest.builder().limit(1).build();

    /** Returns once every SQLite job queued before it (this thread's COMMIT among them) has run. */
    private void awaitQueued(String accessKey, String region) {
        listTables(accessKey, region, BARRIER);
    }
}
