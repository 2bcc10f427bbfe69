package dev.loopgrid.aws.log;

import dev.loopgrid.aws.store.S3Objects;
import dev.loopgrid.core.log.TileStore;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

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
        return S3Objects.get(s3, bucket, key(tenant, path));
    }

    @Override
    public void put(String tenant, String path, byte[] bytes) {
        String key = key(tenant, path);
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/octet-stream")
                    .cacheControl("max-age=604800, immutable"), RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw S3Objects.unavailable("put", bucket, key, e);
        }
    }
}
