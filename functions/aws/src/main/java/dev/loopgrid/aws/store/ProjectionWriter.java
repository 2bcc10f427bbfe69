package dev.loopgrid.aws.store;

import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.ProjectionChange;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * Writes one kind of {@link ProjectionChange} as an item of the append transaction. A write conditioned on the state
 * it expects fails as {@code ConditionalCheckFailed}, which the chain store reports as
 * {@code WriteRejected(PROJECTION_MOVED)} for the request that carried it.
 *
 * @param <C> the change type this writer handles
 */
public interface ProjectionWriter<C extends ProjectionChange> {

    /** The change type; the chain store looks writers up by it. */
    Class<C> changeType();

    /**
     * The transaction items that apply {@code change}, committed as {@code entry} in {@code tenant}'s chain (one or
     * more; a condition on any of them failing rejects the request).
     */
    List<TransactWriteItem> write(String table, String tenant, Entry entry, C change);
}
