package dev.loopgrid.local.store;

import dev.loopgrid.local.TestApps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.App;
import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.core.StagingLedgerStore;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.local.EmbeddedDynamo;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Many writers on one chain against DynamoDB Local: one process with many request threads (group commit),
 * and several processes racing each other (optimistic retries). The chain must stay linear whatever happens.
 */
class ConcurrentAppendTest extends StoreTestSupport {

    @Test
    void oneProcess_32ThreadsX50Appends_yieldOneLinearChainOf1600() throws Exception {
        // given one App (like a server process) over a client that counts its requests
        String table = freshTable();
        ChainKey chain = new ChainKey(TENANT, "hot");
        RequestLog log = new RequestLog();
        DynamoDbClient client = client(64, c -> c.addExecutionInterceptor(log));
        App app = TestApps.create(client, config(table), Clock.systemUTC());

        // when
        Workload.Outcome out = Workload.run(List.of(app), 32, 50, "hot");
        client.close();

        // then every append was acknowledged, each at its own sequence
        assertEquals(List.of(), out.unexpected);
        assertEquals(Set.of(), out.unavailable, "one process never races itself");
        assertEquals(1600, out.acknowledged.size());
        Set<Long> sequences = new HashSet<>();
        for (DecisionRecord d : out.acknowledged.values()) {
            assertTrue(sequences.add(d.sequence()), "sequence " + d.sequence() + " acknowledged twice");
        }
        // and the chain is linear: 1..1600, every link valid, no fork, head at 1600
        Workload.assertEveryAcknowledgedStoredExactlyOnce(table, chain, out);
        assertLinearChain(table, chain, 1600);
        ChainHead head = cleanStore(table).readHead(chain).orElseThrow();
        assertEquals(1600, head.counter(Counters.ENTRIES));
        assertEquals(1600, head.counter(Counters.DECISIONS));
        // and group commit coalesced the appends
        long transactions = log.count("TransactWriteItems");
        System.out.printf("32x50 one process: %d appends in %.2f s = %.0f appends/s; %d transactions (%.1f entries each),"
                        + " %d requests in all (%.3f per append)%n", out.acknowledged.size(), out.elapsedNanos / 1e9,
                out.perSecond(), transactions, 1600.0 / transactions, log.size(), log.size() / 1600.0);
        assertTrue(transactions < 1600, "no appends were coalesced: " + transactions + " transactions");
        assertEquals(3, log.count("GetItem"), "one head read and one read of each admitted-names item (types, models)"
                + " at cold start; a process never loses a race to itself");
    }

    @Test
    void fourProcesses_8ThreadsX25Appends_storeEveryAcknowledgedAppendOnce_inOneLinearChain() throws Exception {
        // given four Apps (four processes: own Ledger, own client) on one chain
        String table = freshTable();
        ChainKey chain = new ChainKey(TENANT, "shared");
        List<DynamoDbClient> clients = new ArrayList<>();
        List<App> processes = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            DynamoDbClient c = EmbeddedDynamo.newClient(dynamo.endpoint(), 16);
            clients.add(c);
            processes.add(TestApps.create(c, config(table), Clock.systemUTC()));
        }

        // when
        Workload.Outcome out = Workload.run(processes, 8, 25, "shared");
        clients.forEach(DynamoDbClient::close);

        // then
        int landed = Workload.assertEveryAcknowledgedStoredExactlyOnce(table, chain, out);
        System.out.printf("4x8x25 four processes: %d acknowledged, %d answered 503 (%d of them landed) in %.2f s"
                        + " = %.0f appends/s%n", out.acknowledged.size(), out.unavailable.size(), landed,
                out.elapsedNanos / 1e9, out.perSecond());
        assertEquals(800, out.attempted());
        assertTrue(out.acknowledged.size() >= 400, "most appends should succeed: " + out.acknowledged.size());
    }

    @Test
    void lambdaModel_24InstancesOneRequestAtATime_staged_everyAppendAcknowledged_inOneLinearChain() throws Exception {
        // given 24 Lambda instances (own client, own App and Ledger, one request at a time) appending staged
        String table = freshTable();
        ChainKey chain = new ChainKey(TENANT, "lambda");
        RequestLog log = new RequestLog();
        List<DynamoDbClient> clients = new ArrayList<>();
        List<App> instances = new ArrayList<>();
        for (int p = 0; p < 24; p++) {
            DynamoDbClient c = client(2, o -> o.addExecutionInterceptor(log));
            clients.add(c);
            instances.add(TestApps.create(c, config(table), Clock.systemUTC(), Ledger.Policy.stagedDefaults()));
        }

        // when
        Workload.Outcome out = Workload.run(instances, 1, 25, "lambda");
        clients.forEach(DynamoDbClient::close);

        // then every request is acknowledged (none answered 503), stored once, in one linear chain
        assertEquals(List.of(), out.unexpected);
        assertEquals(Set.of(), out.unavailable, "no 503: writers append each other's staged requests");
        assertEquals(600, out.acknowledged.size());
        Workload.assertEveryAcknowledgedStoredExactlyOnce(table, chain, out);
        assertLinearChain(table, chain, 600);
        ChainHead head = cleanStore(table).readHead(chain).orElseThrow();
        assertEquals(600, head.counter(Counters.DECISIONS));
        // and staging is empty, the lease released, and transactions carried many entries each
        assertEquals(0, countStaged(table, chain), "staging is empty");
        var lease = cleanStoreItem(table, LedgerKeys.lease(chain));
        assertEquals("0", lease.get("until").n(), "the lease was released: its term ended, the item keeps the staging width");
        long transactions = log.count("TransactWriteItems");
        System.out.printf("lambda model 24x25 staged: %d appends in %.2f s = %.0f appends/s; %d transactions (%.1f"
                        + " entries each), %d requests (%.2f per append)%n", out.acknowledged.size(),
                out.elapsedNanos / 1e9, out.perSecond(), transactions, 600.0 / transactions, log.size(), log.size() / 600.0);
        assertTrue(transactions < 300, "writers batched each other's requests: " + transactions + " transactions");
    }

    /**
     * Eight Lambda instances, each staging every request, deliver the same batch of 20 decisions whose ids their keys
     * fix (an OTLP export sent by several exporters at once), and then all deliver it again: each decision is recorded
     * once and answered as new exactly once, every other answer is the original, and nothing is left staged (a request
     * for a decision appended before reads as rejected and is withdrawn, not mistaken for its own entry).
     */
    @Test
    void lambdaModel_eightInstancesDeliverTheSameIdentifiedBatch_eachDecisionOnce_nothingLeftStaged() throws Exception {
        String table = freshTable();
        ChainKey chain = new ChainKey(TENANT, "spans");
        List<DynamoDbClient> clients = new ArrayList<>();
        List<App> instances = new ArrayList<>();
        for (int p = 0; p < 8; p++) {
            DynamoDbClient c = client(2, o -> { });
            clients.add(c);
            instances.add(TestApps.create(c, config(table), Clock.systemUTC(), Ledger.Policy.stagedAlways()));
        }
        com.fasterxml.jackson.databind.node.ObjectNode batch = dev.loopgrid.core.Json.object();
        var items = batch.putArray("decisions");
        for (int i = 0; i < 20; i++) items.add(body("spans", "chat", "span " + i).put("idempotency_key", "otel-x-" + i));

        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<String> firstIds = null;
            for (int round = 0; round < 2; round++) {
                List<java.util.concurrent.Future<List<dev.loopgrid.core.decision.DecisionService.BatchItem>>> answers =
                        new ArrayList<>();
                for (App app : instances) {
                    answers.add(pool.submit(() -> app.decisions.recordBatch(TENANT, batch,
                            dev.loopgrid.core.decision.DecisionService.Keys.IDENTIFYING)));
                }
                int created = 0;
                List<Set<String>> ids = new ArrayList<>();
                for (int i = 0; i < 20; i++) ids.add(new HashSet<>());
                for (var f : answers) {
                    var got = f.get(120, java.util.concurrent.TimeUnit.SECONDS);
                    for (int i = 0; i < 20; i++) {
                        assertEquals(null, got.get(i).error(), String.valueOf(got.get(i).error()));
                        if (got.get(i).recorded().created()) created++;
                        ids.get(i).add(got.get(i).recorded().decision().decisionId());
                    }
                }
                assertEquals(round == 0 ? 20 : 0, created, "round " + round + ": answers as new");
                List<String> now = new ArrayList<>();
                for (Set<String> one : ids) {
                    assertEquals(1, one.size(), "every answer of an item names one decision");
                    now.add(one.iterator().next());
                }
                if (firstIds != null) assertEquals(firstIds, now, "the redelivery is answered with the originals");
                firstIds = now;
                assertEquals(0, countStaged(table, chain), "round " + round + ": staging is empty");
            }
        } finally {
            pool.shutdownNow();
            clients.forEach(DynamoDbClient::close);
        }
        assertLinearChain(table, chain, 20);
    }

    @Test
    void lambdaModel_aLeaseLeftByADeadWriter_expires_andTheOthersTakeOver() throws Exception {
        // given a lease held by a writer that died (it will never release it)
        String table = freshTable();
        ChainKey chain = new ChainKey(TENANT, "orphaned");
        StagingLedgerStore store = cleanStore(table);
        assertTrue(store.lease(chain, "dead-writer", System.currentTimeMillis() + 1_500));
        List<App> instances = new ArrayList<>();
        List<DynamoDbClient> clients = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            DynamoDbClient c = client(2, o -> { });
            clients.add(c);
            instances.add(TestApps.create(c, config(table), Clock.systemUTC(), Ledger.Policy.stagedDefaults()));
        }

        // when four instances append meanwhile
        long t0 = System.nanoTime();
        Workload.Outcome out = Workload.run(instances, 1, 5, "orphaned");
        clients.forEach(DynamoDbClient::close);

        // then they waited for the lease to expire, took over, and appended everything
        assertEquals(Set.of(), out.unavailable);
        assertEquals(20, out.acknowledged.size());
        assertLinearChain(table, chain, 20);
        assertTrue(System.nanoTime() - t0 >= 1_000_000_000L, "nobody appended while the dead writer's lease held");
        assertEquals(0, countStaged(table, chain));
    }
}
