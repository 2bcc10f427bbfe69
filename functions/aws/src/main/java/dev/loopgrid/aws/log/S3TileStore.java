package dev.loopgrid.aws.log;

import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.log.TileStore;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Tiles and entry bundles of every tenant's log in an S3 bucket, under {@code log/<tenant>/<C2SP path>}. A path's
 * bytes are the same whoever writes them, so a plain put is idempotent; a tile is immutable once written (long-lived
 * cache headers, as C2SP tlog-tiles allows).
 */
public final class S3TileStore implements TileStore {
    private final S3Client s3;
    private final String bucket;

    public S3TileStore(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    static String key(String tenant, String path) {
        return "log/" + tenant + "/" + path;
    }

    @Override
    public Optional<byte[]> get(String tenant, String path) {
        String key = key(tenant, path);
        try {
            return Optional.of(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) return Optional.empty();
            throw new StoreException.Unavailable("S3 get of s3://" + bucket + "/" + key + " failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new StoreException.Unavailable("S3 get of s3://" + bucket + "/" + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void put(String tenant, String path, byte[] bytes) {
        String key = key(tenant, path);
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/octet-stream")
                    .cacheControl("max-age=604800, immutable"), RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw new StoreException.Unavailable("S3 put of s3://" + bucket + "/" + key + " failed: " + e.getMessage(), e);
        }
    }
}
