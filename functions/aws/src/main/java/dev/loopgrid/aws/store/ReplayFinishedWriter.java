package dev.loopgrid.aws.store;

import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.replay.ReplayFinished;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/** Finishes a replay's item in the transaction of its {@code replay} entry ({@link ReplayItems#finish}). */
final class ReplayFinishedWriter implements ProjectionWriter<ReplayFinished> {

    @Override
    public Class<ReplayFinished> changeType() {
        return ReplayFinished.class;
    }

    @Override
    public TransactWriteItem write(String table, String tenant, Entry e, ReplayFinished rf) {
        return ReplayItems.finish(table, tenant, e, rf.result(), rf.attempt());
    }
}
