package dev.loopgrid.aws.subject;

import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.subject.KeyWrapper;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;

/**
 * Data keys wrapped under one KMS key ({@code LOOPGRID_SUBJECT_KMS_KEY}): {@code GenerateDataKey} (AES_256) for a new
 * subject, {@code Decrypt} to unwrap, both with the encryption context {@code {tenant, subject}} so a wrapped key
 * copied to another subject does not decrypt (and CloudTrail names whose key was used). One KMS call per new subject
 * and per cold unwrap; per-subject KMS keys are not used (CreateKey is limited to 5/s and deletion waits 7–30 days).
 */
public final class KmsKeyWrapper implements KeyWrapper {
    private final java.util.function.Supplier<KmsClient> client;
    private final String keyId;

    /** @param client the KMS client, asked for on first use (a function that never meets a subject never builds one) */
    public KmsKeyWrapper(java.util.function.Supplier<KmsClient> client, String keyId) {
        this.client = client;
        this.keyId = keyId;
    }

    @Override
    public Generated generate(String tenant, String subjectId) {
        try {
            GenerateDataKeyResponse r = client.get().generateDataKey(b -> b.keyId(keyId).keySpec(DataKeySpec.AES_256)
                    .encryptionContext(context(tenant, subjectId)));
            return new Generated(r.plaintext().asByteArray(), r.ciphertextBlob().asByteArray());
        } catch (SdkException e) {
            throw new StoreException.Unavailable("KMS GenerateDataKey failed: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] unwrap(String tenant, String subjectId, byte[] wrapped) {
        try {
            DecryptResponse r = client.get().decrypt(b -> b.keyId(keyId).ciphertextBlob(SdkBytes.fromByteArray(wrapped))
                    .encryptionContext(context(tenant, subjectId)));
            return r.plaintext().asByteArray();
        } catch (InvalidCiphertextException e) {
            throw new IllegalStateException("the wrapped key of subject " + subjectId + " does not unwrap here", e);
        } catch (SdkException e) {
            throw new StoreException.Unavailable("KMS Decrypt failed: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> context(String tenant, String subjectId) {
        return Map.of("loopgrid:tenant", tenant, "loopgrid:subject", subjectId);
    }
}
