package dev.loopgrid.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexUpdate;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * DynamoDB Local with table descriptions cached ({@link SchemaCache}) and schema rows parsed once per layout
 * ({@link SchemaRowCache}): lookups reach SQLite once per table and change, and every change of a table — deleted,
 * created again with another key, given an index or a TTL — is seen at once, by that table alone.
 */
class SchemaCacheTest {
    private static EmbeddedDynamo dynamo;
    private static DynamoDbClient db;

    @BeforeAll
    static void start() throws Exception {
        dynamo = EmbeddedDynamo.start(null);
        db = dynamo.client();
    }

    @AfterAll
    static void stop() {
        if (dynamo != null) dynamo.close();
    }

    private static void create(String table, String hashKey) {
        db.createTable(b -> b.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder().attributeName(hashKey)
                        .attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName(hashKey).keyType(KeyType.HASH).build()));
    }

    private static Map<String, AttributeValue> item(String key, String value, String extra) {
        return Map.of(key, AttributeValue.fromS(value), "x", AttributeValue.fromS(extra));
    }

    @Test
    void installed_andLookupsReachSqliteOncePerTable() {
        assertTrue(dynamo.handler().schemaCached());
        create("sc_many", "pk");
        long before = dynamo.handler().schemaReads();
        for (int i = 0; i < 200; i++) {
            String k = "k" + i;
            db.putItem(b -> b.tableName("sc_many").item(item("pk", k, "v")));
            assertEquals("v", db.getItem(b -> b.tableName("sc_many").key(Map.of("pk", AttributeValue.fromS(k))))
                    .item().get("x").s());
        }
        long reads = dynamo.handler().schemaReads() - before;
        assertTrue(reads <= 2, reads + " lookups reached SQLite for 400 requests");
    }

    @Test
    void schemaRows_areParsedOncePerLayout_notForEveryItem() {
        assertTrue(SchemaRowCache.install(), "installed");
        create("sc_rows", "pk");
        db.putItem(b -> b.tableName("sc_rows").item(item("pk", "first", "v")));
        long before = SchemaRowCache.parses();
        for (int i = 0; i < 200; i++) {
            String k = "r" + i;
            db.putItem(b -> b.tableName("sc_rows").item(item("pk", k, "v")));
            assertEquals("v", db.getItem(b -> b.tableName("sc_rows").key(Map.of("pk", AttributeValue.fromS(k))))
                    .item().get("x").s());
        }
        long parses = SchemaRowCache.parses() - before;
        // without the cache: one parse per get and two per put, 600 here
        assertTrue(parses <= 2, parses + " schema rows parsed for 400 requests");
    }

    @Test
    void twoTablesOfOneLayout_keepTheirOwnSchemas_whenOneOfThemChanges() {
        create("sc_twin_a", "pk");
        create("sc_twin_b", "pk");
        for (String t : List.of("sc_twin_a", "sc_twin_b")) { // both schemas read (and kept) before the change
            db.putItem(b -> b.tableName(t).item(item("pk", "a", "one")));
            assertEquals("one", db.getItem(b -> b.tableName(t).key(Map.of("pk", AttributeValue.fromS("a")))).item()
                    .get("x").s());
        }
        db.updateTable(b -> b.tableName("sc_twin_a")
                .attributeDefinitions(AttributeDefinition.builder().attributeName("x").attributeType(ScalarAttributeType.S).build())
                .globalSecondaryIndexUpdates(GlobalSecondaryIndexUpdate.builder().create(c -> c.indexName("by_x")
                        .keySchema(KeySchemaElement.builder().attributeName("x").keyType(KeyType.HASH).build())
                        .projection(p -> p.projectionType("ALL"))).build()));
        db.updateTimeToLive(b -> b.tableName("sc_twin_a").timeToLiveSpecification(t -> t.attributeName("ttl").enabled(true)));

        for (String t : List.of("sc_twin_b", "sc_twin_a")) db.putItem(b -> b.tableName(t).item(item("pk", "b", "two")));
        assertEquals(1, db.describeTable(b -> b.tableName("sc_twin_a")).table().globalSecondaryIndexes().size());
        assertTrue(db.describeTable(b -> b.tableName("sc_twin_b")).table().globalSecondaryIndexes().isEmpty(),
                "the twin that was not changed has no index");
        assertEquals("DISABLED", db.describeTimeToLive(b -> b.tableName("sc_twin_b")).timeToLiveDescription()
                .timeToLiveStatusAsString());
        assertThrows(DynamoDbException.class, () -> db.query(b -> b.tableName("sc_twin_b").indexName("by_x")
                .keyConditionExpression("x = :x").expressionAttributeValues(Map.of(":x", AttributeValue.fromS("two")))));
        assertEquals(1, db.query(b -> b.tableName("sc_twin_a").indexName("by_x").keyConditionExpression("x = :x")
                .expressionAttributeValues(Map.of(":x", AttributeValue.fromS("two")))).count());
    }

    @Test
    void aDeletedTable_isGoneAtOnce_andOneCreatedAgainWithAnotherKey_isUsedByItsNewKey() {
        create("sc_again", "pk");
        db.putItem(b -> b.tableName("sc_again").item(item("pk", "a", "1")));
        db.deleteTable(b -> b.tableName("sc_again"));
        assertThrows(ResourceNotFoundException.class,
                () -> db.putItem(b -> b.tableName("sc_again").item(item("pk", "a", "1"))));

        create("sc_again", "id");
        DynamoDbException wrongKey = assertThrows(DynamoDbException.class,
                () -> db.putItem(b -> b.tableName("sc_again").item(item("pk", "a", "1"))));
        assertTrue(wrongKey.getMessage().contains("required keys"), wrongKey.getMessage()); // the key is id now
        db.putItem(b -> b.tableName("sc_again").item(item("id", "a", "2")));
        assertEquals("2", db.getItem(b -> b.tableName("sc_again").key(Map.of("id", AttributeValue.fromS("a"))))
                .item().get("x").s());
    }

    @Test
    void anIndexAdded_andATtlSet_areSeenByTheNextRequest() {
        create("sc_update", "pk");
        db.putItem(b -> b.tableName("sc_update").item(item("pk", "a", "one")));
        db.updateTable(b -> b.tableName("sc_update")
                .attributeDefinitions(AttributeDefinition.builder().attributeName("x").attributeType(ScalarAttributeType.S).build())
                .globalSecondaryIndexUpdates(GlobalSecondaryIndexUpdate.builder().create(c -> c.indexName("by_x")
                        .keySchema(KeySchemaElement.builder().attributeName("x").keyType(KeyType.HASH).build())
                        .projection(p -> p.projectionType("ALL"))).build()));
        db.putItem(b -> b.tableName("sc_update").item(item("pk", "b", "two")));
        var found = db.query(b -> b.tableName("sc_update").indexName("by_x").keyConditionExpression("x = :x")
                .expressionAttributeValues(Map.of(":x", AttributeValue.fromS("two")))).items();
        assertEquals(1, found.size());
        assertEquals("b", found.get(0).get("pk").s());

        db.updateTimeToLive(b -> b.tableName("sc_update").timeToLiveSpecification(t -> t.attributeName("ttl").enabled(true)));
        assertEquals("ttl", db.describeTimeToLive(b -> b.tableName("sc_update")).timeToLiveDescription().attributeName());
    }

    @Test
    void writersOfOneTable_areUndisturbed_whileAnotherTableComesAndGoes() throws Exception {
        create("sc_steady", "pk");
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int writer = w;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        String k = writer + "-" + i;
                        db.putItem(b -> b.tableName("sc_steady").item(item("pk", k, "v")));
                    }
                }));
            }
            fs.add(pool.submit(() -> {
                for (int i = 0; i < 10; i++) {
                    create("sc_churn", i % 2 == 0 ? "pk" : "id");
                    db.deleteTable(b -> b.tableName("sc_churn"));
                }
            }));
            for (Future<?> f : fs) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertEquals(400, db.scan(b -> b.tableName("sc_steady").select("COUNT")).count());
        assertThrows(ResourceNotFoundException.class, () -> db.describeTable(b -> b.tableName("sc_churn")));
    }
}
