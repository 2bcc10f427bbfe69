package dev.loopgrid.core.log;

/**
 * Where a tenant's log stands.
 *
 * @param size            leaves sequenced (committed with their batch)
 * @param range           the compact range of those leaves ({@link CompactRange#encode}), from which the root follows
 * @param tiledSize       leaves whose tiles and entry bundles are written
 * @param checkpointSize  size of the latest signed checkpoint
 * @param checkpointAt    when it was signed (epoch millis), 0 when none
 */
public record LogState(long size, byte[] range, long tiledSize, long checkpointSize, long checkpointAt) {
    public static final LogState EMPTY = new LogState(0, new byte[0], 0, 0, 0);

    public CompactRange compactRange() {
        return CompactRange.decode(size, range);
    }
}
