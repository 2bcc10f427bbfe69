package dev.loopgrid.aws.store;

import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.replay.ReplayFinished;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/** Finishes a replay's item in the transaction of its {@code replay} entry ({@link ReplayItems#finish}). */
final class ReplayFinishedWriter implements ProjectionWriter<ReplayFinished> {

    @Override
    public Class<ReplayFinished> changeType() {
        return ReplayFinished.class;
    }

    @Override
    public List<TransactWriteItem> write(String table, String tenant, Entry e, ReplayFinished rf) {
        return List.of(ReplayItems.finish(table, tenant, e, rf.result(), rf.attempt()));
    }
}
