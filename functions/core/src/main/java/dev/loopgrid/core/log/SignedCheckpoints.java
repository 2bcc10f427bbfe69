package dev.loopgrid.core.log;

import dev.loopgrid.core.ledger.StoreException;
import java.util.List;
import java.util.Optional;

/**
 * Where signed checkpoints are kept out of the operator's reach (AWS: an S3 bucket with Object Lock in compliance
 * mode; locally: a bucket of the embedded S3). One object per tenant and size; an object is never replaced. Methods
 * may throw {@link StoreException.Unavailable}.
 */
public interface SignedCheckpoints {

    /** Keeps a signed checkpoint of the tenant's log at {@code size}; a second put of the same size is refused. */
    void put(String tenant, long size, byte[] signedNote);

    /** The signed checkpoint at {@code size}, or empty. */
    Optional<byte[]> get(String tenant, long size);

    /** The sizes of every checkpoint kept for the tenant from {@code fromSize} on, ascending. */
    List<Long> sizes(String tenant, long fromSize);
}
