package dev.loopgrid.local.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.loopgrid.aws.store.S3ContentStore;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.decision.ContentStore;
import dev.loopgrid.core.ContentStoreContract;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.local.EmbeddedS3;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * The content store contract against S3Proxy through the real AWS SDK, and what only the S3 adapter shows: the
 * key layout in the bucket, SSE-S3 on every object, a repeated put that is one conditional request (412) and no
 * overwrite, and a refusal (403) that is "unavailable", never "missing".
 */
class S3ContentStoreContractTest extends ContentStoreContract {
    static EmbeddedS3 s3;
    /** Every request the adapter's client sends: "PutObject If-None-Match=*", "GetObject", … */
    static final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    static S3Client counted;
    String bucket;

    @BeforeAll
    static void start() {
        s3 = EmbeddedS3.start(null, "loopgrid-content-test");
        counted = client(EmbeddedS3.CREDENTIAL, new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                String name = context.request().getClass().getSimpleName().replace("Request", "");
                if (context.request() instanceof PutObjectRequest p && p.ifNoneMatch() != null) {
                    name += " If-None-Match=" + p.ifNoneMatch();
                }
                requests.add(name);
            }
        });
    }

    @AfterAll
    static void stop() {
        if (counted != null) counted.close();
        if (s3 != null) s3.close();
    }

    static S3Client client(String secret, ExecutionInterceptor interceptor) {
        return S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(EmbeddedS3.IDENTITY, secret)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .overrideConfiguration(o -> {
                    if (interceptor != null) o.addExecutionInterceptor(interceptor);
                })
                .httpClient(ApacheHttpClient.builder().build())
                .build();
    }

    @Override
    protected ContentStore newStore() {
        bucket = "content-" + UUID.randomUUID().toString().substring(0, 8);
        s3.client().createBucket(b -> b.bucket(bucket));
        requests.clear();
        return new S3ContentStore(counted, bucket);
    }

    @Override
    protected void overwrite(String key, byte[] bytes) {
        s3.client().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
    }

    @Test
    void objects_areKeyedByHash_underContent_withSseS3() {
        byte[] bytes = "{\"a\":\"é\"}".getBytes(StandardCharsets.UTF_8);
        String hash = Canonical.sha256Hex(bytes);
        String key = store.put("local", hash, bytes);
        assertEquals("content/local/" + hash + ".json", key);
        HeadObjectResponse head = s3.client().headObject(b -> b.bucket(bucket).key(key));
        assertEquals(ServerSideEncryption.AES256, head.serverSideEncryption(), "SSE-S3 asked for and applied");
        assertEquals("application/json", head.contentType());
        assertEquals(bytes.length, head.contentLength());
    }

    @Test
    void aRepeatedPut_isOneConditionalRequest_andAReadBack_neverAnOverwrite() {
        byte[] bytes = "{\"same\":true}".getBytes(StandardCharsets.UTF_8);
        String hash = Canonical.sha256Hex(bytes);
        store.put("local", hash, bytes);
        assertEquals(List.of("PutObject If-None-Match=*"), List.copyOf(requests));
        requests.clear();
        store.put("local", hash, bytes);
        assertEquals(List.of("PutObject If-None-Match=*", "GetObject"), List.copyOf(requests),
                "412, then the existing object checked against its hash");
    }

    @Test
    void aPutOverAnAlteredObject_writesTheBytesOfItsHashUnconditionally() {
        byte[] bytes = "{\"v\":1}".getBytes(StandardCharsets.UTF_8);
        String hash = Canonical.sha256Hex(bytes);
        String key = store.put("local", hash, bytes);
        overwrite(key, "{\"v\":2}".getBytes(StandardCharsets.UTF_8));
        requests.clear();
        store.put("local", hash, bytes);
        assertEquals(List.of("PutObject If-None-Match=*", "GetObject", "PutObject"), List.copyOf(requests));
        assertArrayEquals(bytes, store.get(key).orElseThrow());
        HeadObjectResponse head = s3.client().headObject(b -> b.bucket(bucket).key(key));
        assertEquals(ServerSideEncryption.AES256, head.serverSideEncryption());
    }

    @Test
    void aRefusedRead_isUnavailable_notMissing() {
        byte[] bytes = "{\"v\":1}".getBytes(StandardCharsets.UTF_8);
        String key = store.put("local", Canonical.sha256Hex(bytes), bytes);
        try (S3Client wrong = client("not-the-secret", null)) {
            S3ContentStore refused = new S3ContentStore(wrong, bucket);
            assertThrows(StoreException.Unavailable.class, () -> refused.get(key));
            assertThrows(StoreException.Unavailable.class, () -> refused.get(ContentStore.key("local", "0".repeat(64))));
            assertThrows(StoreException.Unavailable.class, () -> refused.put("local", Canonical.sha256Hex(bytes), bytes));
        }
    }
}
