package dev.loopgrid.aws.store;

import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.StagedRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * How many of a chain's staging partitions ({@link LedgerKeys#stagePartition}) are in use: the chain's staging width.
 * The partitions exist so that a chain staging 2,000 requests/s stays under half of each key's 1,000 WCU/s on AWS
 * ({@value #PER_PARTITION} staged requests/s a partition, ≈ 6 WCU each). A chain staging less needs fewer, and every
 * partition in use costs the lease holder one Query per batch.
 * <ul>
 *   <li><b>Published on the lease item.</b> The lease item holds the width ({@value #WIDTH}) and outlives its holders (a
 *       release ends a term, it does not delete the item). A holder measures the staged requests it appends per second
 *       and, when the width that rate needs differs, writes it with its next renewal or its release
 *       ({@link #fieldsToWrite}). A claim leaves the width as it is (a chain's first claim sets every partition).</li>
 *   <li><b>Writers stage within it.</b> A writer draws its stage id prefix so that its requests land in the first
 *       {@code width} partitions ({@link #prefix}). It uses a width learnt from the lease item within
 *       {@value #LEARNT_MS} ms: polls read the item along when what this process learnt is half that old, and a
 *       writer that knows none reads the item before staging.</li>
 *   <li><b>The holder reads every width in use.</b> When the width narrows, the item also keeps the old one
 *       ({@value #WIDE}) until {@value #WIDE_MS} ms later ({@value #WIDE_UNTIL}, the ledger's clock): longer than
 *       any writer uses a width it learnt. The holder reads up to the wider of the two, and every partition once every
 *       {@value #SWEEP_EVERY} batches, so that a request staged elsewhere all the same (another partition count, a
 *       clock far off) is still appended.</li>
 * </ul>
 * Which partitions are read only changes how soon a request is appended, never whether or how: the conditions of the
 * append are the same. Writers' ages are this process's monotonic clock; one instance per store.
 */
final class StagingWidth {
    /** Staged requests per second one staging partition takes at half its key's 1,000 WCU/s (≈ 6 WCU each). */
    static final int PER_PARTITION = LedgerKeys.STAGED_PER_PARTITION;
    /** The shortest time over which a holder's rate counts. */
    static final long MIN_WINDOW_MS = 200;
    /** How long the lease item keeps a width the chain narrowed from, for the holder to read. */
    static final long WIDE_MS = 10_000;
    /** How long writers here stage within a width learnt from the lease item. */
    static final long LEARNT_MS = WIDE_MS / 2;
    /** A holder here reads every partition once every this many batches. */
    static final int SWEEP_EVERY = 16;
    /** The lease item's attributes: the width, a wider one still read, and until when (epoch ms). */
    static final String WIDTH = "width";
    static final String WIDE = "wide";
    static final String WIDE_UNTIL = "wide_until";

    /** The lease item's staging fields. */
    record Fields(int width, int wide, long wideUntil) {}

    private final int partitions;
    private final LongSupplier nanos;
    private final ConcurrentHashMap<ChainKey, State> chains = new ConcurrentHashMap<>();

    private static final class State {
        int learnt; // 0: nothing learnt
        long learntAt;
        String holder; // this process's writer holding the lease, as far as it knows
        Fields held;
        long batches;
        long windowStart;
        long appended;
    }

    /** @param nanos a monotonic clock in nanoseconds ({@link System#nanoTime}) */
    StagingWidth(int partitions, LongSupplier nanos) {
        this.partitions = partitions;
        this.nanos = nanos;
    }

    private State state(ChainKey chain) {
        return chains.computeIfAbsent(chain, c -> new State());
    }

    private int clamp(long width) {
        return (int) Math.max(1, Math.min(partitions, width));
    }

    // ---- writers ------------------------------------------------------------------------------------------

    /** The width this process's writers stage within, or 0 when none was learnt within {@value #LEARNT_MS} ms. */
    int forWriters(ChainKey chain) {
        State s = state(chain);
        synchronized (s) {
            return s.learnt > 0 && nanos.getAsLong() - s.learntAt <= LEARNT_MS * 1_000_000L ? s.learnt : 0;
        }
    }

    /** Whether a poll should read the lease item along (what this process learnt is half its lifetime old). */
    boolean stale(ChainKey chain) {
        State s = state(chain);
        synchronized (s) {
            return s.learnt == 0 || nanos.getAsLong() - s.learntAt > LEARNT_MS * 500_000L;
        }
    }

    /** What a lease item read says (null: the chain has none yet, so every partition). */
    void learn(ChainKey chain, Map<String, AttributeValue> lease) {
        long width = lease == null ? partitions : TableAccess.num(lease, WIDTH);
        if (width < 1) width = partitions; // an item written before widths
        State s = state(chain);
        synchronized (s) {
            s.learnt = clamp(width);
            s.learntAt = nanos.getAsLong();
        }
    }

    /**
     * A stage id prefix ({@link StagedRequest#newId}) whose requests land in the first {@code width} partitions (about
     * {@code partitions / width} draws of the random tail).
     */
    String prefix(int width, long epochMillis) {
        String id = StagedRequest.newId(epochMillis);
        for (int draw = 0; width < partitions && draw < 10_000; draw++) {
            if (LedgerKeys.stagePartition(id + "#", partitions) < width) break;
            id = StagedRequest.newId(epochMillis);
        }
        return id;
    }

    // ---- the holder ---------------------------------------------------------------------------------------

    /** {@code writer} of this process claimed the lease; the item's fields after the claim. */
    void claimed(ChainKey chain, String writer, Map<String, AttributeValue> item) {
        long width = TableAccess.num(item, WIDTH);
        long wide = TableAccess.num(item, WIDE);
        long until = TableAccess.num(item, WIDE_UNTIL);
        State s = state(chain);
        synchronized (s) {
            s.holder = writer;
            hold(s, new Fields(clamp(width < 1 ? partitions : width), wide < 1 ? 0 : clamp(wide), until));
        }
    }

    /** The holder here knows the lease item's fields as {@code fields}: its writers use the width, its rate restarts. */
    private void hold(State s, Fields fields) {
        s.held = fields;
        s.learnt = fields.width();
        s.learntAt = nanos.getAsLong();
        s.windowStart = s.learntAt;
        s.appended = 0;
    }

    /** Whether {@code writer} of this process holds the chain's lease, as far as this process knows. */
    boolean holds(ChainKey chain, String writer) {
        State s = state(chain);
        synchronized (s) {
            return writer.equals(s.holder);
        }
    }

    /** This process's holder lost or ended the lease. */
    void ended(ChainKey chain) {
        State s = state(chain);
        synchronized (s) {
            s.holder = null;
            s.held = null;
        }
    }

    /** {@code count} staged requests of the chain appended by this process. */
    void appended(ChainKey chain, int count) {
        State s = state(chain);
        synchronized (s) {
            s.appended += Math.max(0, count);
        }
    }

    /**
     * The fields a renewal or release by this process's holder should write, or null to leave them: the width its
     * appends since the claim or the last change need (measured over at least {@value #MIN_WINDOW_MS} ms); when it
     * narrows, the width it narrows from is kept as {@value #WIDE} for {@value #WIDE_MS} ms more, unless a wider one
     * kept before is still in use by writers, which is then kept as it was.
     */
    Fields fieldsToWrite(ChainKey chain, long nowMillis) {
        State s = state(chain);
        synchronized (s) {
            if (s.held == null) return null;
            long elapsed = nanos.getAsLong() - s.windowStart;
            if (elapsed < MIN_WINDOW_MS * 1_000_000L) return null;
            int measured = clamp((long) Math.ceil(s.appended * 1e9 / elapsed / PER_PARTITION));
            if (measured == s.held.width()) {
                s.windowStart = nanos.getAsLong();
                s.appended = 0;
                return null;
            }
            Fields h = s.held;
            boolean wideLive = h.wide() > 0 && nowMillis <= h.wideUntil();
            if (measured < h.width()) {
                // writers use a width they learnt for LEARNT_MS at most: a wider one kept from an earlier narrowing is
                // still in use only while that narrowing is under LEARNT_MS old. Kept then, until its own end (which
                // also covers this width's writers); never extended, or a chain whose rate flaps would read the old
                // width for good (bench lambda: 0.82 staging Queries per append, 27 per batch, at width ≈ 4)
                boolean widerInUse = wideLive && h.wide() > h.width() && h.wideUntil() - nowMillis > WIDE_MS - LEARNT_MS;
                return widerInUse ? new Fields(measured, h.wide(), h.wideUntil())
                        : new Fields(measured, h.width(), nowMillis + WIDE_MS);
            }
            return new Fields(measured, wideLive ? h.wide() : 0, wideLive ? h.wideUntil() : 0);
        }
    }

    /** The holder here wrote {@code fields} on the lease item. */
    void wrote(ChainKey chain, Fields fields) {
        State s = state(chain);
        synchronized (s) {
            hold(s, fields);
        }
    }

    /**
     * How many partitions (the first {@code n}) the holder here reads for its next batch: the wider of the width and
     * a {@value #WIDE} still live; every partition once every {@value #SWEEP_EVERY} batches, or when this process does
     * not know the lease's fields.
     */
    int toRead(ChainKey chain, long nowMillis) {
        State s = state(chain);
        synchronized (s) {
            if (s.held == null || s.batches++ % SWEEP_EVERY == 0) return partitions;
            Fields h = s.held;
            return Math.max(h.width(), h.wide() > 0 && nowMillis <= h.wideUntil() ? h.wide() : 0);
        }
    }
}
