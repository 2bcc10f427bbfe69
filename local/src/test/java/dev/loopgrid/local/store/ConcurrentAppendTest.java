package dev.loopgrid.local.store;

import dev.loopgrid.local.TestApps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.App;
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
}
