package dev.loopgrid.local.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.store.DynamoReplayStore;
import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.core.Ids;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.Times;
import dev.loopgrid.core.replay.ReplayRecord;
import dev.loopgrid.core.replay.ReplayStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The index of open replays, write-sharded over {@link LedgerKeys#REPLAY_OPEN_SHARDS} partitions by replay id (no one
 * key for every tenant's replay creations), against DynamoDB Local: pages merged from the shards come oldest first,
 * up to the cutoff, every open replay once, through cursors; a closed replay leaves its shard; a forged cursor is
 * refused.
 */
class OpenReplayIndexTest extends StoreTestSupport {
    private static final Instant T0 = Instant.parse("2026-12-05T06:00:00.000Z");

    @Test
    void openReplays_spreadOverTheShards_andComeBackOldestFirst_pageByPage() {
        String table = freshTable();
        RequestLog log = new RequestLog();
        DynamoDbClient client = client(4, c -> c.addExecutionInterceptor(log));
        DynamoReplayStore store = new DynamoReplayStore(client, table);
        List<ReplayStore.OpenReplay> created = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            String at = Times.format(T0.plusMillis(1_000L * i));
            String tenant = i % 3 == 0 ? "open" : "t" + (i % 3); // a tenant called "open" too
            ReplayRecord r = ReplayRecord.pending(Ids.replay(), Ids.decision(), "svc", at, "test", "{}");
            store.create(tenant, r);
            created.add(new ReplayStore.OpenReplay(tenant, r.replayId(), at));
        }
        // spread over the shards, none under the old single key
        Set<String> pks = new HashSet<>();
        client.scanPaginator(b -> b.tableName(table)).items().forEach(item -> {
            String pk = item.get("pk").s();
            // tenant "open"'s replay items and references are REP#open#rep_… and REP#open#dec_…: not shards
            if (pk.matches(java.util.regex.Pattern.quote(LedgerKeys.REPLAY_OPEN_PK) + "#\\d\\d")) pks.add(pk);
        });
        assertTrue(pks.size() >= 10, "45 open replays over " + pks.size() + " shards: " + pks);
        assertTrue(LedgerKeys.replayOpenPks().containsAll(pks), pks.toString());

        // the sweep's view: created before the cutoff (the 31st), oldest first, 7 a page
        String cutoff = created.get(30).createdAt();
        List<ReplayStore.OpenReplay> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        log.clear();
        do {
            ReplayStore.OpenPage page = store.listOpen(cutoff, 7, cursor);
            assertTrue(page.replays().size() <= 7);
            seen.addAll(page.replays());
            cursor = page.nextCursor();
            pages++;
        } while (cursor != null && pages < 20);
        // "OPEN#<cutoff>" sorts before the 31st's own key ("OPEN#<cutoff>#tenant#id"): exactly the 30 before it
        assertEquals(created.subList(0, 30), seen);
        assertTrue(log.count("Query") <= (long) pages * LedgerKeys.REPLAY_OPEN_SHARDS * 2, log.operations().toString());

        // closed replays leave the index
        for (ReplayStore.OpenReplay o : created.subList(0, 10)) store.closeOpen(o);
        ReplayStore.OpenPage first = store.listOpen(cutoff, 5, null);
        assertEquals(created.subList(10, 15), first.replays());

        // a forged cursor is refused
        String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("DEC#x".getBytes());
        assertThrows(LedgerException.Malformed.class, () -> store.listOpen(cutoff, 5, forged));
        client.close();
    }

    @Test
    void anEmptyIndex_isOnePageWithoutCursor() {
        DynamoDbClient client = client(4, c -> { });
        ReplayStore.OpenPage page = new DynamoReplayStore(client, freshTable()).listOpen("2026-12-05T06:00:00.000Z", 50, null);
        assertEquals(List.of(), page.replays());
        assertNull(page.nextCursor());
        client.close();
    }
}
