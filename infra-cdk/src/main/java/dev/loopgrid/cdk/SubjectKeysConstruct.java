package dev.loopgrid.cdk;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.kms.KeySpec;
import software.amazon.awscdk.services.kms.KeyUsage;
import software.constructs.Construct;

/**
 * The data-subject key: one symmetric KMS key that wraps every data subject's data key (erasure by crypto-shredding:
 * a decision naming a {@code subject_id} is sealed under the subject's AES-256 data key, stored only wrapped, in the
 * subject's item; an erasure removes the wrapped key). {@code dev.loopgrid.aws.subject.KmsKeyWrapper} calls
 * {@code GenerateDataKey} and {@code Decrypt} with the encryption context {@value #CONTEXT_TENANT} and
 * {@value #CONTEXT_SUBJECT}.
 *
 * <ul>
 *   <li>Symmetric ({@code SYMMETRIC_DEFAULT}, {@code ENCRYPT_DECRYPT}), automatic yearly rotation (old key material
 *       stays, so keys wrapped earlier still unwrap), retained when the stack goes: without it no sealed decision can
 *       be read again.</li>
 *   <li>Grants ({@link #grant}, from {@link SubjectKeyAccess}) name this key's ARN only, and only with the encryption
 *       context LoopGrid uses: both keys present ({@code Null} false), and no other key
 *       ({@code ForAllValues:StringEquals kms:EncryptionContextKeys}).</li>
 * </ul>
 */
public final class SubjectKeysConstruct extends Construct {
    public static final String ENV = "LOOPGRID_SUBJECT_KMS_KEY";
    public static final String CONTEXT_TENANT = "loopgrid:tenant";
    public static final String CONTEXT_SUBJECT = "loopgrid:subject";
    public static final List<String> SEAL_ACTIONS = List.of("kms:GenerateDataKey", "kms:Decrypt");
    public static final List<String> OPEN_ACTIONS = List.of("kms:Decrypt");

    private final Key key;

    public SubjectKeysConstruct(Construct scope, String id) {
        super(scope, id);
        key = Key.Builder.create(this, "DataKeyWrappingKey")
                .description("LoopGrid data subjects: wraps each subject's data key (erasure removes the wrapped key)")
                .keySpec(KeySpec.SYMMETRIC_DEFAULT)
                .keyUsage(KeyUsage.ENCRYPT_DECRYPT)
                .enableKeyRotation(true)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
    }

    public Key key() { return key; }

    /** The environment of a function with key access: the key's ARN. */
    public Map<String, String> env() {
        return Map.of(ENV, key.getKeyArn());
    }

    /** Adds the access's KMS statement to a role (nothing for NONE). */
    public void grant(IRole role, SubjectKeyAccess access) {
        List<String> actions = switch (access) {
            case NONE -> List.of();
            case OPEN -> OPEN_ACTIONS;
            case SEAL -> SEAL_ACTIONS;
        };
        if (actions.isEmpty()) return;
        PolicyStatement st = PolicyStatement.Builder.create()
                .sid(access == SubjectKeyAccess.SEAL ? "SubjectKeySeal" : "SubjectKeyOpen")
                .effect(Effect.ALLOW)
                .actions(actions)
                .resources(List.of(key.getKeyArn()))
                .build();
        st.addCondition("Null", Map.of("kms:EncryptionContext:" + CONTEXT_TENANT, "false",
                "kms:EncryptionContext:" + CONTEXT_SUBJECT, "false"));
        st.addCondition("ForAllValues:StringEquals",
                Map.of("kms:EncryptionContextKeys", List.of(CONTEXT_TENANT, CONTEXT_SUBJECT)));
        role.addToPrincipalPolicy(st);
    }
}
