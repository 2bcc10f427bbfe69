package dev.loopgrid.local.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.aws.store.LedgerTable;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.decision.DecisionPage;
import dev.loopgrid.core.decision.DecisionQuery;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.Times;
import dev.loopgrid.local.TestApps;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * The decision indexes write-sharded ({@link LedgerKeys#indexShard}) against DynamoDB Local: 240 decisions of one
 * tenant, three services, three types, three at each instant (so sort keys tie on time and the id decides), some
 * flagged, corrected or confirmed. Their index keys spread over the shards, and every list merged from the shards is
 * exactly the recorded decisions sorted by {@code lsk} descending, whatever the page size, filters and range, through
 * cursors and through {@code page=N}, with exact totals; a forged cursor is still refused.
 */
class ShardedIndexTest extends StoreTestSupport {
    private static final Instant T0 = Instant.parse("2026-05-04T08:00:00.000Z");
    private static final String[] SERVICES = {"svc-a", "svc-b", "svc-c"};
    private static final String[] TYPES = {"refund", "route", "triage#v2"};
    private static final int DECISIONS = 240;

    private static String table;
    private static RequestLog log;
    private static DynamoDbClient client;
    private static App app;
    /** Decision id → what the test recorded, in recording order. */
    private static final Map<String, Known> KNOWN = new LinkedHashMap<>();

    private record Known(String id, String service, String type, DecisionStatus status, String createdAt) {
        String sortKey() {
            return createdAt + "#" + id;
        }
    }

    @BeforeAll
    static void recordDecisions() {
        table = freshTable();
        MutableClock clock = new MutableClock(T0);
        log = new RequestLog();
        client = client(16, c -> c.addExecutionInterceptor(log));
        app = TestApps.create(client, config(table), clock);
        for (int i = 0; i < DECISIONS; i++) {
            clock.set(T0.plusSeconds(i / 3));
            String service = SERVICES[i % 3];
            String type = TYPES[(i / 3) % 3];
            DecisionRecord d = app.decisions.record(TENANT, body(service, type, "d" + i), null).decision();
            KNOWN.put(d.decisionId(), new Known(d.decisionId(), service, type, DecisionStatus.RECORDED, d.createdAt()));
        }
        clock.set(T0.plusSeconds(DECISIONS));
        int i = 0;
        for (Known k : List.copyOf(KNOWN.values())) {
            DecisionStatus status = k.status();
            if (i % 7 == 3) {
                app.decisions.markIncorrect(TENANT, k.id(), Json.parse("{\"reason\":\"r" + i + "\"}"));
                status = DecisionStatus.INCORRECT;
            } else if (i % 11 == 5) {
                app.decisions.attachCorrection(TENANT, k.id(),
                        Json.parse("{\"correction\":{\"answer\":\"deny\"},\"corrected_by\":\"bob\"}"));
                status = DecisionStatus.CORRECTED;
            } else if (i % 13 == 6) {
                app.decisions.confirm(TENANT, k.id(), Json.parse("{\"confirmed_by\":\"ann\"}"));
                status = DecisionStatus.CONFIRMED;
            }
            KNOWN.put(k.id(), new Known(k.id(), k.service(), k.type(), status, k.createdAt()));
            i++;
        }
        // another tenant's decision, for a cursor naming it
        app.decisions.record("t2", body("svc-a", "refund", "other"), null);
    }

    @AfterAll
    static void closeClient() {
        client.close();
    }

    // ---- the keys ---------------------------------------------------------------------------------------

    @Test
    void indexKeys_spreadOverTheShards_eachTheDecisionsOwnShard_statusChangesKeepTheShard() {
        // given the projection items as stored
        Map<String, Set<String>> values = new HashMap<>();
        Map<String, Integer> perTenantKey = new HashMap<>();
        for (Known k : KNOWN.values()) {
            Map<String, AttributeValue> item = cleanStoreItem(table, LedgerKeys.decision(TENANT, k.id()));
            assertNotNull(item, k.id());
            int shard = LedgerKeys.indexShard(k.id(), LedgerTable.TENANT_INDEX_SHARDS);
            int serviceShard = LedgerKeys.indexShard(k.id(), LedgerTable.SERVICE_INDEX_SHARDS);

            // then each key is the list's value and the decision's shard; a verdict moved g_status in that shard
            assertEquals(TENANT + "#" + String.format("%02d", shard), item.get("g_all").s());
            assertEquals(TENANT + "#" + k.service() + "#" + String.format("%02d", serviceShard), item.get("g_svc").s());
            assertEquals(TENANT + "#" + k.type() + "#" + String.format("%02d", shard), item.get("g_type").s());
            assertEquals(TENANT + "#" + k.status().wire() + "#" + String.format("%02d", shard), item.get("g_status").s());
            values.computeIfAbsent("g_all", x -> new HashSet<>()).add(item.get("g_all").s());
            values.computeIfAbsent("g_svc " + k.service(), x -> new HashSet<>()).add(item.get("g_svc").s());
            values.computeIfAbsent("g_type " + k.type(), x -> new HashSet<>()).add(item.get("g_type").s());
            perTenantKey.merge(item.get("g_all").s(), 1, Integer::sum);
        }
        // 240 ids over 96 shards: ~88 distinct expected; 80 per service over 16: ~16; 80 per type over 96: ~55
        assertTrue(values.get("g_all").size() >= 75, "tenant-wide keys used: " + values.get("g_all").size());
        for (String service : SERVICES) {
            assertTrue(values.get("g_svc " + service).size() >= 13, service + ": " + values.get("g_svc " + service));
        }
        for (String type : TYPES) {
            assertTrue(values.get("g_type " + type).size() >= 40, type + ": " + values.get("g_type " + type).size());
        }
        int hottest = perTenantKey.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertTrue(hottest <= 12, "the hottest tenant-wide key holds " + hottest + " of " + DECISIONS + " (mean 2.5)");
    }

    // ---- lists ------------------------------------------------------------------------------------------

    @Test
    void theTenantsList_isEveryDecisionByLskDescending_atPageSizes7And50() {
        for (int pageSize : new int[] {7, 50}) {
            assertEquals(expected(null, null, null, null, null), walk(null, null, null, null, null, pageSize), "size " + pageSize);
        }
    }

    @Test
    void pageSize1_walksToTheEnd_withoutDuplicatesOrGaps() {
        String since = Times.format(T0.plusSeconds(30));
        String until = Times.format(T0.plusSeconds(37));
        assertEquals(expected(null, null, null, since, until), walk(null, null, null, since, until, 1));
        assertEquals(expected("svc-b", "route", null, null, null), walk("svc-b", "route", null, null, null, 1));
    }

    @Test
    void filtersAndRanges_combined_listExactly() {
        String since = Times.format(T0.plusSeconds(20));
        String until = Times.format(T0.plusSeconds(51));
        for (String service : new String[] {null, "svc-c"}) {
            for (String type : new String[] {null, "triage#v2"}) {
                for (DecisionStatus status : new DecisionStatus[] {null, DecisionStatus.RECORDED, DecisionStatus.INCORRECT}) {
                    for (String[] range : new String[][] {{null, null}, {since, null}, {null, until}, {since, until}}) {
                        assertEquals(expected(service, type, status, range[0], range[1]),
                                walk(service, type, status, range[0], range[1], 20),
                                "service=" + service + " type=" + type + " status=" + status + " range="
                                        + java.util.Arrays.toString(range));
                    }
                }
            }
        }
        for (DecisionStatus status : new DecisionStatus[] {DecisionStatus.CORRECTED, DecisionStatus.CONFIRMED}) {
            assertEquals(expected(null, null, status, null, null), walk(null, null, status, null, null, 7), status.wire());
            assertEquals(expected("svc-a", "refund", status, null, null), walk("svc-a", "refund", status, null, null, 3));
        }
    }

    @Test
    void pageN_givesTheCursorWalksPages_andNothingPastTheEnd() {
        int pageSize = 7;
        List<List<String>> pages = new ArrayList<>();
        String cursor = null;
        do {
            DecisionPage p = list(null, null, null, null, null, 1, pageSize, cursor);
            pages.add(ids(p));
            cursor = p.nextCursor();
        } while (cursor != null);
        assertEquals((DECISIONS + pageSize - 1) / pageSize, pages.size());
        for (int n : new int[] {1, 2, 5, 20, pages.size()}) {
            DecisionPage p = list(null, null, null, null, null, n, pageSize, null);
            assertEquals(pages.get(n - 1), ids(p), "page " + n);
            assertEquals(DECISIONS, p.total());
            assertEquals(n < pages.size(), p.hasMore(), "has_more of page " + n);
        }
        DecisionPage past = list(null, null, null, null, null, pages.size() + 1, pageSize, null);
        assertTrue(past.decisions().isEmpty());
        assertFalse(past.hasMore());
        assertNull(past.nextCursor());
    }

    @Test
    void aPage_readsEveryShardOnce_withASmallLimit_notThePageSizeFromEach() {
        // given
        log.clear();

        // when
        DecisionPage p = list(null, null, null, null, null, 1, 50, null);

        // then: one Query per shard, in all about the page plus a few per shard, not 96 × 50 index items
        assertEquals(50, p.decisions().size());
        List<QueryRequest> queries = log.requests(QueryRequest.class).stream()
                .filter(q -> "by_tenant".equals(q.indexName())).toList();
        Set<String> shards = new HashSet<>();
        for (QueryRequest q : queries) shards.add(q.expressionAttributeValues().get(":p").s());
        assertEquals(LedgerTable.TENANT_INDEX_SHARDS, shards.size(), "every shard read");
        int asked = queries.stream().mapToInt(QueryRequest::limit).sum();
        assertTrue(queries.size() <= LedgerTable.TENANT_INDEX_SHARDS + 10, queries.size() + " queries");
        assertTrue(asked <= 50 + 4 * LedgerTable.TENANT_INDEX_SHARDS, asked + " index items asked for");
    }

    @Test
    void aPage_readsItsDecisionsContentFromTheirEntries_inOneBatch() {
        // given
        log.clear();

        // when
        DecisionPage p = list(null, null, null, null, null, 1, 50, null);

        // then: one BatchGetItem of the page's projections, one of their entries, which hold the content
        List<BatchGetItemRequest> batches = log.requests(BatchGetItemRequest.class);
        assertEquals(2, batches.size(), "projections, then entries");
        List<Map<String, AttributeValue>> entryKeys = batches.get(1).requestItems().values().iterator().next().keys();
        assertEquals(50, entryKeys.size());
        for (Map<String, AttributeValue> k : entryKeys) assertTrue(k.get("sk").s().startsWith("E#"), k.toString());
        // and every decision is served its own content, which hashes to its content_hash
        for (DecisionRecord d : p.decisions()) {
            Known k = KNOWN.get(d.decisionId());
            assertNotNull(d.content(), d.decisionId());
            assertEquals(d.contentHash(), dev.loopgrid.core.ledger.Canonical.sha256Hex(d.content().getBytes(StandardCharsets.UTF_8)));
            assertTrue(d.content().contains("\"service_name\":\"" + k.service() + "\""), d.content());
            assertTrue(d.content().contains("\"decision_type\":\"" + k.type() + "\""), d.content());
        }
    }

    @Test
    void totals_withARange_countEveryShard() {
        String since = Times.format(T0.plusSeconds(10));
        for (String service : new String[] {null, "svc-a"}) {
            DecisionPage p = list(service, null, null, since, null, 1, 5, null);
            assertEquals(expected(service, null, null, since, null).size(), p.total(), "service=" + service);
        }
    }

    // ---- cursors ----------------------------------------------------------------------------------------

    @Test
    void forgedCursors_areRefusedAsInvalidCursor() {
        // given a cursor of svc-a's list, and decisions it must not name
        DecisionPage first = list("svc-a", null, null, null, null, 1, 5, null);
        ObjectNode c = (ObjectNode) Json.parse(new String(Base64.getUrlDecoder().decode(first.nextCursor()),
                StandardCharsets.UTF_8));
        Known ofSvcB = KNOWN.values().stream().filter(k -> k.service().equals("svc-b")).findFirst().orElseThrow();
        DecisionRecord otherTenants = app.decisions.list("t2", new DecisionQuery(null, null, null, null, null, 1, 1, null))
                .decisions().get(0);

        // then: a decision of another list (same tenant), of another tenant, or at another time, is refused
        for (String lsk : List.of(ofSvcB.sortKey(), otherTenants.createdAt() + "#" + otherTenants.decisionId(),
                "2030" + c.get("l").asText().substring(4))) {
            String forged = cursor(c.deepCopy().put("l", lsk));
            LedgerException.Malformed e = assertThrows(LedgerException.Malformed.class,
                    () -> list("svc-a", null, null, null, null, 1, 5, forged), lsk);
            assertEquals("invalid_cursor", e.code());
        }
        // and the genuine cursor goes on
        assertEquals(5, list("svc-a", null, null, null, null, 1, 5, first.nextCursor()).decisions().size());
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private static List<String> expected(String service, String type, DecisionStatus status, String since, String until) {
        Predicate<Known> match = k -> (service == null || k.service().equals(service))
                && (type == null || k.type().equals(type))
                && (status == null || k.status() == status)
                && (since == null || k.createdAt().compareTo(since) >= 0)
                && (until == null || k.createdAt().compareTo(until) <= 0);
        return KNOWN.values().stream().filter(match).sorted(Comparator.comparing(Known::sortKey).reversed())
                .map(Known::id).toList();
    }

    /** Every page through cursors: exact total on each, full pages before the last, each decision's status. */
    private static List<String> walk(String service, String type, DecisionStatus status, String since, String until,
                                     int pageSize) {
        int expectedTotal = expected(service, type, status, since, until).size();
        List<String> seen = new ArrayList<>();
        String cursor = null;
        for (int page = 1; ; page++) {
            assertTrue(page <= expectedTotal / pageSize + 2, "paging does not end");
            DecisionPage p = list(service, type, status, since, until, 1, pageSize, cursor);
            assertEquals(expectedTotal, p.total(), "total on page " + page);
            for (DecisionRecord d : p.decisions()) {
                assertEquals(KNOWN.get(d.decisionId()).status(), d.status(), d.decisionId());
                seen.add(d.decisionId());
            }
            if (!p.hasMore()) {
                assertNull(p.nextCursor());
                return seen;
            }
            assertEquals(pageSize, p.decisions().size(), "a page before the last is full");
            cursor = p.nextCursor();
        }
    }

    private static DecisionPage list(String service, String type, DecisionStatus status, String since, String until,
                                     int page, int pageSize, String cursor) {
        return app.decisions.list(TENANT, new DecisionQuery(service, type, status, since, until, page, pageSize, cursor));
    }

    private static List<String> ids(DecisionPage p) {
        return p.decisions().stream().map(DecisionRecord::decisionId).toList();
    }

    private static String cursor(ObjectNode o) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.write(o).getBytes(StandardCharsets.UTF_8));
    }
}
