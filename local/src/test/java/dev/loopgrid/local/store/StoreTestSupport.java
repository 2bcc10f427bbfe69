package dev.loopgrid.local.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.store.DynamoChainStore;
import dev.loopgrid.aws.store.DynamoDecisionIndex;
import dev.loopgrid.aws.store.ProjectionWriters;
import dev.loopgrid.core.LedgerStore;
import dev.loopgrid.core.StagingLedgerStore;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.IntegrityService;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.EmbeddedDynamo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * One DynamoDB Local in memory per test class (the real AWS SDK over HTTP), a fresh table per test, and
 * helpers to build request bodies and to read a chain back through a clean client.
 */
abstract class StoreTestSupport {
    static final String TENANT = "t1";

    static EmbeddedDynamo dynamo;

    @BeforeAll
    static void startDynamo() throws Exception {
        dynamo = EmbeddedDynamo.start(null);
    }

    @AfterAll
    static void stopDynamo() {
        if (dynamo != null) dynamo.close();
        dynamo = null;
    }

    /** A new, empty ledger table, so tests never see each other's items. */
    static String freshTable() {
        String name = "ledger-" + UUID.randomUUID().toString().substring(0, 8);
        dynamo.ensureTable(name);
        return name;
    }

    /** Items under partition key {@code pk} (e.g. a chain's staging area), read through a clean client. */
    static int countItems(String table, String pk) {
        return dynamo.client().query(q -> q.tableName(table).keyConditionExpression("pk = :pk").consistentRead(true)
                .expressionAttributeValues(java.util.Map.of(":pk",
                        software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(pk)))).count();
    }

    /** Staged requests (pending or rejected) of a chain, in all its staging partitions. */
    static int countStaged(String table, ChainKey chain) {
        int n = 0;
        for (int p = 0; p < dev.loopgrid.aws.store.LedgerKeys.DEFAULT_STAGE_PARTITIONS; p++) {
            String pk = dev.loopgrid.aws.store.LedgerKeys.stagePk(chain, p);
            n += dynamo.client().query(q -> q.tableName(table).keyConditionExpression("pk = :pk AND sk < :lease")
                    .consistentRead(true).expressionAttributeValues(java.util.Map.of(
                            ":pk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(pk),
                            ":lease", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(
                                    dev.loopgrid.aws.store.LedgerKeys.LEASE_SK)))).count();
        }
        return n;
    }

    /** One item read through a clean client, or null. */
    static java.util.Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> cleanStoreItem(String table,
            java.util.Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> key) {
        var r = dynamo.client().getItem(g -> g.tableName(table).key(key).consistentRead(true));
        return r.hasItem() && !r.item().isEmpty() ? r.item() : null;
    }

    static App.Config config(String table) {
        return new App.Config(table, TENANT, DecisionService.DEFAULT_MAX_CONTENT_BYTES);
    }

    /** A client built like {@link EmbeddedDynamo#newClient}, with extra configuration (interceptors, timeouts, retries). */
    static DynamoDbClient client(int maxConnections, Consumer<ClientOverrideConfiguration.Builder> override) {
        return DynamoDbClient.builder()
                .endpointOverride(dynamo.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(ApacheHttpClient.builder()
                        .maxConnections(maxConnections)
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(30))
                        .build())
                .overrideConfiguration(override)
                .build();
    }

    /** A store over the embedded server's own (clean) client: what the tests read back with. */
    static StagingLedgerStore cleanStore(String table) {
        return dynamoStore(dynamo.client(), table, Clock.systemUTC());
    }

    /** The table's chain store and decision index as one handle. */
    static StagingLedgerStore dynamoStore(software.amazon.awssdk.services.dynamodb.DynamoDbClient client, String table, Clock clock) {
        return dynamoStore(client, table, clock, dev.loopgrid.core.decision.CounterGroups.MAX_NAMES);
    }

    /** The same, counting at most {@code maxNames} types and model labels per chain under their own names. */
    static StagingLedgerStore dynamoStore(software.amazon.awssdk.services.dynamodb.DynamoDbClient client, String table,
                                          Clock clock, int maxNames) {
        DynamoChainStore chains = new DynamoChainStore(client, table, clock, ProjectionWriters.standard(), maxNames);
        return StagingLedgerStore.of(chains, new DynamoDecisionIndex(client, table, chains));
    }

    /** A valid record-decision body; {@code tag} goes into the input so the stored content can be traced back. */
    static ObjectNode body(String service, String type, String tag) {
        ObjectNode b = Json.object();
        b.put("service_name", service);
        b.put("decision_type", type);
        b.putObject("input").put("tag", tag).put("text", "Refund order 1234?");
        ObjectNode model = b.putObject("model");
        model.put("provider", "openai");
        model.put("name", "gpt-4o-mini");
        b.putObject("output").put("answer", "approve").put("confidence", 0.87);
        b.putObject("metadata").put("ticket", tag);
        return b;
    }

    /** The tag a body of {@link #body} carried, read from stored content. */
    static String tagOf(Entry e) {
        return Json.parseStored(e.content()).path("input").path("tag").asText(null);
    }

    /** All entries of a chain in storage order, read through a clean client. */
    static List<Entry> entries(String table, ChainKey chain) {
        List<Entry> out = new ArrayList<>();
        cleanStore(table).readEntries(chain, 1, Long.MAX_VALUE / 2).forEachRemaining(out::add);
        return out;
    }

    /**
     * Asserts the chain is linear: sequences 1..n in order with no gap or repeat, no two entries sharing a
     * predecessor, the head at n, and a full verification valid over n entries.
     *
     * @return the entries
     */
    static List<Entry> assertLinearChain(String table, ChainKey chain, long n) {
        LedgerStore store = cleanStore(table);
        List<Entry> entries = entries(table, chain);
        Map<String, Long> predecessorOf = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            assertEquals(i + 1, e.sequence(), "sequence at position " + (i + 1));
            Long other = predecessorOf.put(e.previousHash(), e.sequence());
            assertNull(other, "fork: entries " + other + " and " + e.sequence() + " share a predecessor");
        }
        assertEquals(n, entries.size(), "entries in the chain");
        ChainHead head = store.readHead(chain).orElseThrow();
        assertEquals(n, head.sequence(), "head sequence");
        IntegrityService.Report report = new IntegrityService(store, new dev.loopgrid.core.decision.ContentResolver(null)).verify(chain.tenant(), chain.chainId());
        assertTrue(report.valid(), report::message);
        assertEquals(n, report.entries());
        return entries;
    }

    /** A clock tests move by hand (millisecond resolution, as the ledger records time). */
    static final class MutableClock extends Clock {
        private final AtomicLong millis;

        MutableClock(Instant start) {
            this.millis = new AtomicLong(start.toEpochMilli());
        }

        void set(Instant t) {
            millis.set(t.toEpochMilli());
        }

        void advance(Duration d) {
            millis.addAndGet(d.toMillis());
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }
}
