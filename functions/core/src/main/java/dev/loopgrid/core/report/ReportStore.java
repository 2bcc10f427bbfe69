package dev.loopgrid.core.report;

import java.nio.file.Path;

/**
 * Object storage for reports and large exports, with time-limited download links. Keys are relative to the
 * storage's reports area, e.g. {@code reports/rpt_….json}. Every method throws
 * {@link dev.loopgrid.core.ledger.LedgerException.Unavailable} when the storage cannot be reached.
 */
public interface ReportStore {

    /** Stores {@code body} under {@code key} (replacing any object there). */
    void put(String key, byte[] body, String contentType);

    /** Stores a file's bytes under {@code key}: for exports too large to hold in memory. */
    void put(String key, Path file, String contentType);

    /**
     * A link that downloads {@code key} without credentials until it expires.
     *
     * @param downloadName when not null, the link makes browsers save the object under this file name
     */
    PresignedLink presignGet(String key, String downloadName);

    /**
     * Deletes every object under {@code prefix}, every version of it where the storage keeps versions (an erasure
     * purges the tenant's stored exports this way).
     *
     * @return the object versions deleted
     */
    int deleteAll(String prefix);

    /** A presigned download link. */
    record PresignedLink(String url, String expiresAt) {}
}
