package dev.loopgrid.aws.log;

import dev.loopgrid.aws.store.S3Objects;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.log.SignedCheckpoints;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Signed checkpoints in their own S3 bucket, {@code checkpoints/<tenant>/<20-digit size>}, written once
 * ({@code If-None-Match: *}). In AWS the bucket has Object Lock in compliance mode: each checkpoint is also put with
 * {@code x-amz-object-lock-mode: COMPLIANCE} and a retain-until date ({@code retention}, default 180 days: AI Act
 * Art. 19 / 26(6)), so nobody — the account's root user included — can change or delete it before then
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html). Locally (no Object Lock) {@code retention}
 * is null.
 */
public final class S3SignedCheckpoints implements SignedCheckpoints {
    private final S3Client s3;
    private final String bucket;
    private final Duration retention;
    private final Clock clock;

    public S3SignedCheckpoints(S3Client s3, String bucket, Duration retention, Clock clock) {
        this.s3 = s3;
        this.bucket = bucket;
        this.retention = retention;
        this.clock = clock;
    }

    static String prefix(String tenant) {
        return "checkpoints/" + tenant + "/";
    }

    static String key(String tenant, long size) {
        return prefix(tenant) + String.format("%020d", size);
    }

    @Override
    public void put(String tenant, long size, byte[] signedNote) {
        String key = key(tenant, size);
        PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(key)
                .contentType("text/plain; charset=utf-8").ifNoneMatch("*");
        if (retention != null) {
            req.objectLockMode(ObjectLockMode.COMPLIANCE).objectLockRetainUntilDate(Instant.now(clock).plus(retention));
        }
        try {
            s3.putObject(req.build(), RequestBody.fromBytes(signedNote));
            return;
        } catch (S3Exception e) {
            if (e.statusCode() != 412) throw unavailable("put", key, e);
        } catch (SdkException e) {
            throw unavailable("put", key, e);
        }
        // kept already: Ed25519 is deterministic, so a retried publish writes the very same bytes
        Optional<byte[]> had = get(tenant, size);
        if (had.isPresent() && Arrays.equals(had.get(), signedNote)) return;
        throw new IllegalStateException("a different checkpoint of tenant " + tenant + " at size " + size
                + " is kept already: the log forked, or its key changed");
    }

    @Override
    public Optional<byte[]> get(String tenant, long size) {
        return S3Objects.get(s3, bucket, key(tenant, size));
    }

    @Override
    public List<Long> sizes(String tenant, long fromSize) {
        List<Long> out = new ArrayList<>();
        String token = null;
        String prefix = prefix(tenant);
        try {
            do {
                String t = token;
                ListObjectsV2Response r = s3.listObjectsV2(b -> {
                    b.bucket(bucket).prefix(prefix);
                    if (t != null) b.continuationToken(t);
                    else if (fromSize > 0) b.startAfter(key(tenant, fromSize - 1));
                });
                for (S3Object o : r.contents()) {
                    String name = o.key().substring(prefix.length());
                    if (name.length() == 20 && name.chars().allMatch(Character::isDigit)) out.add(Long.parseLong(name));
                }
                token = Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null;
            } while (token != null);
        } catch (SdkException e) {
            throw new StoreException.Unavailable("S3 list of s3://" + bucket + "/" + prefix + " failed: " + e.getMessage(), e);
        }
        return out;
    }

    private StoreException.Unavailable unavailable(String op, String key, SdkException e) {
        return S3Objects.unavailable(op, bucket, key, e);
    }
}
