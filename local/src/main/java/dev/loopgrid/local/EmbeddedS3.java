package dev.loopgrid.local;

import dev.loopgrid.aws.reports.S3ReportStore;
import dev.loopgrid.aws.store.S3ContentStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * S3Proxy (an S3-compatible server) inside this JVM on a loopback port: the local bucket of reports
 * ({@code reports/}) and of large decisions' content ({@code content/}). It checks
 * AWS Signature V4 like S3 does, so presigned links behave as on AWS (a changed signature or an expired link is
 * refused with 403), and they work with any plain HTTP client on this machine. Objects live on the filesystem
 * under a folder, or in memory.
 */
public final class EmbeddedS3 implements AutoCloseable {
    /** Credentials of the local server; the local stack's clients sign with them. */
    public static final String IDENTITY = "local";
    public static final String CREDENTIAL = "local-secret";
    public static final String DEFAULT_BUCKET = "loopgrid-reports";

    private final S3Proxy proxy;
    private final URI endpoint;
    private final S3Client client;
    private final S3Presigner presigner;
    private final String bucket;

    private EmbeddedS3(S3Proxy proxy, URI endpoint, String bucket) {
        this.proxy = proxy;
        this.endpoint = endpoint;
        this.bucket = bucket;
        StaticCredentialsProvider creds = StaticCredentialsProvider.create(AwsBasicCredentials.create(IDENTITY, CREDENTIAL));
        S3Configuration pathStyle = S3Configuration.builder().pathStyleAccessEnabled(true).build();
        this.client = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).credentialsProvider(creds)
                .serviceConfiguration(pathStyle)
                .httpClient(ApacheHttpClient.builder().maxConnections(16).socketTimeout(Duration.ofSeconds(30)).build())
                .build();
        this.presigner = S3Presigner.builder().endpointOverride(endpoint).region(Region.US_EAST_1).credentialsProvider(creds)
                .serviceConfiguration(pathStyle).build();
    }

    /**
     * Starts S3Proxy on 127.0.0.1 (a free port) and creates {@code bucket} if it does not exist.
     *
     * @param dir where objects persist, or null to keep them in memory
     */
    public static EmbeddedS3 start(Path dir, String bucket) {
        BlobStore store;
        if (dir == null) {
            store = new TransientNio2BlobStore();
        } else {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + dir, e);
            }
            store = new FilesystemNio2BlobStore(dir.toAbsolutePath().toString());
        }
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, IDENTITY, CREDENTIAL)
                .build();
        try {
            proxy.start();
            for (int i = 0; i < 500 && !"STARTED".equals(proxy.getState()); i++) Thread.sleep(10);
        } catch (Exception e) {
            try {
                proxy.stop();
            } catch (Exception ignored) {
                // nothing more to do
            }
            throw new IllegalStateException("S3Proxy did not start: " + e, e);
        }
        EmbeddedS3 s3 = new EmbeddedS3(proxy, URI.create("http://127.0.0.1:" + proxy.getPort()), bucket);
        try {
            s3.client.createBucket(b -> b.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException e) {
            // kept from an earlier run
        } catch (S3Exception e) {
            if (e.statusCode() != 409) {
                s3.close();
                throw e;
            }
        }
        return s3;
    }

    public URI endpoint() { return endpoint; }

    /** Creates {@code name} if it does not exist yet; returns it. */
    public String ensureBucket(String name) {
        try {
            client.createBucket(b -> b.bucket(name));
        } catch (BucketAlreadyOwnedByYouException e) {
            // kept from an earlier run
        } catch (S3Exception e) {
            if (e.statusCode() != 409) throw e;
        }
        return name;
    }

    public String bucket() { return bucket; }

    public S3Client client() { return client; }

    public S3Presigner presigner() { return presigner; }

    /** The report store the local stack's application uses: this bucket, links valid for {@code ttl}. */
    public S3ReportStore reportStore(Duration ttl, Clock clock) {
        return new S3ReportStore(client, presigner, bucket, ttl, clock);
    }

    /** The content store the local stack's application uses: large decisions under {@code content/} of this bucket. */
    public S3ContentStore contentStore() {
        return new S3ContentStore(client, bucket);
    }

    @Override
    public void close() {
        presigner.close();
        client.close();
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping S3Proxy: " + e, e);
        }
    }
}
