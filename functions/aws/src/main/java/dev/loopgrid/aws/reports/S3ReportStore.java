package dev.loopgrid.aws.reports;

import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.Times;
import dev.loopgrid.core.report.ReportStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import java.time.Clock;
import java.time.Duration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.GetObjectPresignRequest;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;

/**
 * Reports and large exports in an S3 bucket, downloaded through presigned GET links (SigV4 query
 * authentication: https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html).
 * A link is signed with the function's own credentials, so it stops working when it expires, or earlier if
 * those (temporary) credentials expire first; its {@code expires_at} is the signed expiry.
 */
public final class S3ReportStore implements ReportStore {
    /** Default link lifetime. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(15);
    /** SigV4 presigned URLs last at most seven days. */
    public static final Duration MAX_TTL = Duration.ofDays(7);

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    private final Duration ttl;
    private final Clock clock;

    public S3ReportStore(S3Client s3, S3Presigner presigner, String bucket, Duration ttl, Clock clock) {
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("report link lifetime must be 1 s .. 7 days, got " + ttl);
        }
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
        this.ttl = ttl;
        this.clock = clock;
    }

    public String bucket() { return bucket; }

    public Duration ttl() { return ttl; }

    @Override
    public void put(String key, byte[] body, String contentType) {
        put(key, RequestBody.fromBytes(body), contentType);
    }

    @Override
    public void put(String key, Path file, String contentType) {
        put(key, RequestBody.fromFile(file), contentType);
    }

    /**
     * Lists every version and delete marker under {@code prefix} and deletes them by version id, 1,000 per request;
     * where the storage keeps no versions (or cannot list them, e.g. S3Proxy on a file system), every current object.
     */
    @Override
    public int deleteAll(String prefix) {
        try {
            int deleted = 0;
            List<ObjectIdentifier> batch = new ArrayList<>();
            boolean versioned = true;
            try {
                for (var page : s3.listObjectVersionsPaginator(b -> b.bucket(bucket).prefix(prefix))) {
                    for (var v : page.versions()) batch.add(ObjectIdentifier.builder().key(v.key()).versionId(v.versionId()).build());
                    for (var m : page.deleteMarkers()) batch.add(ObjectIdentifier.builder().key(m.key()).versionId(m.versionId()).build());
                    deleted += flush(batch, false);
                }
            } catch (S3Exception e) {
                if (e.statusCode() != 501 && e.statusCode() != 400 && e.statusCode() != 405) throw e;
                versioned = false;
            }
            if (!versioned) {
                for (var page : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix))) {
                    for (var o : page.contents()) batch.add(ObjectIdentifier.builder().key(o.key()).build());
                    deleted += flush(batch, false);
                }
            }
            return deleted + flush(batch, true);
        } catch (SdkException e) {
            throw new LedgerException.Unavailable("report_storage_unavailable",
                    "The report storage is temporarily unavailable; retry later", 1);
        }
    }

    private int flush(List<ObjectIdentifier> batch, boolean all) {
        int n = 0;
        while (batch.size() >= 1000 || all && !batch.isEmpty()) {
            List<ObjectIdentifier> chunk = new ArrayList<>(batch.subList(0, Math.min(1000, batch.size())));
            batch.subList(0, chunk.size()).clear();
            if (chunk.size() == 1 && chunk.get(0).versionId() == null) {
                s3.deleteObject(b -> b.bucket(bucket).key(chunk.get(0).key()));
            } else {
                var r = s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(chunk).quiet(true)));
                if (r.hasErrors() && !r.errors().isEmpty()) {
                    throw new LedgerException.Unavailable("report_storage_unavailable", "Deleting stored exports failed: "
                            + r.errors().get(0).code() + " on " + r.errors().get(0).key(), 1);
                }
            }
            n += chunk.size();
        }
        return n;
    }

    private void put(String key, RequestBody body, String contentType) {
        try {
            s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType(contentType)
                    .cacheControl("private, no-store").build(), body);
        } catch (SdkException e) {
            throw new LedgerException.Unavailable("report_storage_unavailable",
                    "The report storage is temporarily unavailable; retry later", 1);
        }
    }

    @Override
    public PresignedLink presignGet(String key, String downloadName) {
        long now = clock.millis();
        GetObjectRequest.Builder get = GetObjectRequest.builder().bucket(bucket).key(key);
        if (downloadName != null) get.responseContentDisposition("attachment; filename=\"" + downloadName + "\"");
        PresignedGetObjectRequest p = presigner.presignGetObject(GetObjectPresignRequest.builder()
                .signatureDuration(ttl).getObjectRequest(get.build()).build());
        return new PresignedLink(p.url().toString(), Times.format(p.expiration() != null
                ? p.expiration().toEpochMilli() : now + ttl.toMillis()));
    }
}
