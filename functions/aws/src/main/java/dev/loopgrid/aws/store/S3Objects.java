package dev.loopgrid.aws.store;

import dev.loopgrid.core.ledger.StoreException;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Reading one S3 object the way every store here needs it: missing is empty (S3 answers 404 only to a caller that may
 * list the bucket, so readers get {@code s3:ListBucket}), and any other failure — a 403 included — is
 * {@link StoreException.Unavailable}, never "missing".
 */
public final class S3Objects {
    private S3Objects() {}

    public static Optional<byte[]> get(S3Client s3, String bucket, String key) {
        try {
            return Optional.of(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) return Optional.empty();
            throw unavailable("get", bucket, key, e);
        } catch (SdkException e) {
            throw unavailable("get", bucket, key, e);
        }
    }

    public static StoreException.Unavailable unavailable(String op, String bucket, String key, SdkException e) {
        return new StoreException.Unavailable("S3 " + op + " of s3://" + bucket + "/" + key + " failed: " + e.getMessage(), e);
    }
}
