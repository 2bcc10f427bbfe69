package dev.loopgrid.aws.store;

import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.decision.ContentStore;
import dev.loopgrid.core.ledger.StoreException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Large decision content in an S3 bucket under {@code content/<tenant>/<sha256>.json} ({@link ContentStore#key}),
 * encrypted at rest with S3-managed keys (SSE-S3, asked for on every put although the bucket defaults to it).
 *
 * <p><b>Put</b> is a conditional write ({@code If-None-Match: *},
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html): a new key is written once; when
 * the key exists (412) the object is read back and, if it holds the bytes of its hash, that is the success of an
 * identical write (no second upload, no extra version in the versioned bucket). An object that no longer matches its
 * hash is written again, so the content of the decision being recorded is stored intact (the altered version stays
 * in the bucket's version history, and verification of the entries that referenced it meanwhile reported it).
 *
 * <p><b>Get</b> returns the bytes as stored; {@link dev.loopgrid.core.decision.ContentResolver} re-hashes them. A missing
 * key is S3's 404 {@code NoSuchKey}, which S3 only answers to a caller that may list the bucket (otherwise 403,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), so readers get {@code s3:ListBucket}; any
 * other failure, a 403 included, is {@link StoreException.Unavailable}, never "missing".
 */
public final class S3ContentStore implements ContentStore {
    private static final Logger LOG = LoggerFactory.getLogger(S3ContentStore.class);
    static final String CONTENT_TYPE = "application/json";

    private final S3Client s3;
    private final String bucket;

    public S3ContentStore(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    public String bucket() {
        return bucket;
    }

    @Override
    public String put(String tenant, String contentHash, byte[] canonicalUtf8) {
        String key = ContentStore.key(tenant, contentHash);
        try {
            s3.putObject(request(key).ifNoneMatch("*").build(), RequestBody.fromBytes(canonicalUtf8));
            return key;
        } catch (S3Exception e) {
            if (e.statusCode() != 412) throw unavailable("put", key, e);
        } catch (SdkException e) {
            throw unavailable("put", key, e);
        }
        // the key exists: an identical write is a success
        Optional<byte[]> existing = get(key);
        if (existing.isPresent() && Canonical.sha256Hex(existing.get()).equals(contentHash)) return key;
        LOG.warn("content object s3://{}/{} {}; writing the bytes of its hash again", bucket, key,
                existing.isPresent() ? "no longer matches its hash" : "vanished after a conditional put found it");
        try {
            s3.putObject(request(key).build(), RequestBody.fromBytes(canonicalUtf8));
            return key;
        } catch (SdkException e) {
            throw unavailable("put", key, e);
        }
    }

    private PutObjectRequest.Builder request(String key) {
        return PutObjectRequest.builder().bucket(bucket).key(key).contentType(CONTENT_TYPE)
                .serverSideEncryption(ServerSideEncryption.AES256);
    }

    @Override
    public Optional<byte[]> get(String key) {
        return S3Objects.get(s3, bucket, key);
    }

    private StoreException.Unavailable unavailable(String op, String key, SdkException e) {
        return S3Objects.unavailable(op, bucket, key, e);
    }
}
