package dev.loopgrid.core.log;

import dev.loopgrid.core.ledger.StoreException;
import java.util.Optional;

/**
 * Where a tenant's C2SP tiles and entry bundles live (S3). Every path is written with the same bytes by whoever writes
 * it (tiles derive from committed batches only), so writes are idempotent. Not trusted: proofs built from tiles are
 * checked against signed checkpoints. Methods may throw {@link StoreException.Unavailable}.
 */
public interface TileStore {

    /** The object at {@code path} ({@code tile/…}) of the tenant's log, or empty. */
    Optional<byte[]> get(String tenant, String path);

    void put(String tenant, String path, byte[] bytes);
}
