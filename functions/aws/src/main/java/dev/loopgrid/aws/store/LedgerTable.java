package dev.loopgrid.aws.store;

import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The single ledger table: its key layout and secondary indexes. The CDK app and the local stack both
 * create the table from these names.
 *
 * <pre>
 * chain head      pk = CHAIN#tenant#chain   sk = HEAD          chain_id, seq, head_hash, first_at, last_at (position only, &lt; 1 KB)
 * chain counters  pk = CNT#tenant#chain     sk = TOTAL         entries, entries:&lt;type&gt;, decisions, status:*, verdict_s:*, replays:*
 *                 pk = CNT#TYPE#tenant#chain  sk = TYPE#&lt;type&gt;   type, type_status:&lt;status&gt;
 *                 pk = CNT#MODEL#tenant#chain sk = MODEL#&lt;label&gt; model, model_status:*, latency_ms:*, usage, tokens_in/out/total
 *                 pk = CNT#WEEK#tenant#chain  sk = WEEK#&lt;iso week&gt; week, week_status:*
 *                 pk = CNT#tenant#chain     sk = NAMES#type, NAMES#model  names (string set: the admitted names, at most
 *                                                            CounterGroups.MAX_NAMES = 100; the rest count under "(other)")
 * chain entry     pk = CHAIN#tenant#chain#&lt;seq mod 16, 2 digits&gt;  sk = E#&lt;20-digit seq&gt;  seq, type, id, decision_id, recorded_at,
 *                                           content, content_hash, previous_hash, chain_hash (LedgerKeys.ENTRY_PARTITIONS)
 * staged request  pk = STAGE#tenant#chain#&lt;hash of stage id mod N, 2 digits&gt;  sk = &lt;stage id&gt;  (24 by default: LedgerKeys.DEFAULT_STAGE_PARTITIONS)
 * chain lease     pk = STAGE#tenant#chain   sk = LEASE         writer, until
 * chain registry  pk = TENANT#tenant        sk = CHAIN#chain   chain_id
 * decision        pk = DEC#tenant#id        sk = DEC           the projection + index keys g_all, g_svc, g_type, g_status, lsk
 *                                                            (g_* end in #NN, the decision's shard of each index)
 * idempotency key pk = IDEM#tenant#key      sk = IDEM          decision_id, content_hash, expires_at (TTL)
 * replay          pk = REP#tenant#id        sk = REP           status, attempts, lease_until, result fields, entry_seq/hash
 * replay ref      pk = REP#tenant#dec_id    sk = REF#created_at#rep_id  replay_id (a decision's replays, by Query)
 * open replay     pk = REP#open             sk = OPEN#created_at#tenant#rep_id  tenant, replay_id, created_at (until
 *                                                            the recovery sweep sees the replay finished)
 * verified up to  pk = VERIFIED#tenant#chain sk = VERIFIED    seq, chain_hash, verified_at (reports.DynamoCheckpointStore)
 * </pre>
 * A decision whose canonical content is larger than the inline limit keeps {@code content_key} (the S3 key
 * {@code content/<tenant>/<content_hash>.json}, see {@code S3ContentStore}) and {@code content_bytes} in place of
 * {@code content}, in its entry and in its projection; {@code content_hash} stays.
 * Indexes (keys plus {@link #INDEX_ATTRIBUTES}, sort key {@code lsk} = created_at#decision_id, queried newest first;
 * a page's projections are then read by key), each partition key write-sharded by decision id (NN = two decimal
 * digits, {@link LedgerKeys#indexShard}; a list merges its shards):
 * {@code by_tenant} (g_all = tenant#NN, {@link #TENANT_INDEX_SHARDS}), {@code by_service} (g_svc = tenant#service#NN,
 * {@link #SERVICE_INDEX_SHARDS}), {@code by_type} (g_type = tenant#type#NN) and {@code by_status}
 * (g_status = tenant#status#NN), both {@link #TENANT_INDEX_SHARDS}.
 * The counter items are written by {@code CounterItems} in the append's transaction (only those a batch touches); a
 * chain has at most 2 × 100 type and model items, one per week and four more, each a few KB at most, so one Query of
 * each of its four counter partitions reads all its counters.
 */
public final class LedgerTable {
    public static final String PK = "pk";
    public static final String SK = "sk";
    public static final String TTL_ATTRIBUTE = "expires_at";
    public static final String LIST_SORT_KEY = "lsk";
    /** Partition-key prefix of replay items ({@code REP#tenant#replay_id}); IAM conditions on replay writes use it. */
    public static final String REPLAY_PREFIX = "REP#";

    /** Index name → its partition key attribute. */
    public static final List<String[]> INDEXES = List.of(
            new String[] {"by_tenant", "g_all"},
            new String[] {"by_service", "g_svc"},
            new String[] {"by_type", "g_type"},
            new String[] {"by_status", "g_status"});

    /**
     * Partition key values of each tenant-wide index ({@code by_tenant}, {@code by_type}, {@code by_status}: one tenant's
     * decisions may all share a type and every new decision is {@code recorded}). One partition key takes at most
     * 1,000 WCU/s on AWS and an index item in a transaction costs 2 WCU, so 20,000 decisions/s of one tenant are 40,000
     * WCU/s per index: 96 keys take ~417 WCU/s each (42 %, room for the hash's unevenness), where 80 would sit at 50 %
     * on average. A list reads every shard (one Query each, in parallel), so more keys make each page dearer. At most
     * 100 (two digits). Part of the stored format: changing it re-keys every decision's index items.
     */
    public static final int TENANT_INDEX_SHARDS = 96;

    /**
     * Partition key values of {@code by_service} per service: 2,000 decisions/s of one chain are 4,000 WCU/s, ~250 WCU/s
     * (25 %) on each of 16 keys. Part of the stored format, as {@link #TENANT_INDEX_SHARDS}.
     */
    public static final int SERVICE_INDEX_SHARDS = 16;

    /**
     * What the indexes hold besides the keys: the two attributes a list filters on. A listed page's projections are
     * then read by key (one BatchGetItem), so an index write is a small item instead of a second copy of the content.
     */
    public static final List<String> INDEX_ATTRIBUTES = List.of("decision_type", "status");

    private LedgerTable() {}

    /** The table as the local stack and tests create it (on-demand billing). */
    public static CreateTableRequest createTableRequest(String tableName) {
        List<AttributeDefinition> attrs = new java.util.ArrayList<>(List.of(
                attr(PK), attr(SK), attr(LIST_SORT_KEY)));
        List<GlobalSecondaryIndex> gsis = new java.util.ArrayList<>();
        for (String[] idx : INDEXES) {
            attrs.add(attr(idx[1]));
            gsis.add(GlobalSecondaryIndex.builder()
                    .indexName(idx[0])
                    .keySchema(key(idx[1], KeyType.HASH), key(LIST_SORT_KEY, KeyType.RANGE))
                    .projection(Projection.builder().projectionType(ProjectionType.INCLUDE)
                            .nonKeyAttributes(INDEX_ATTRIBUTES).build())
                    .build());
        }
        return CreateTableRequest.builder()
                .tableName(tableName)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attrs)
                .keySchema(key(PK, KeyType.HASH), key(SK, KeyType.RANGE))
                .globalSecondaryIndexes(gsis)
                .build();
    }

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
