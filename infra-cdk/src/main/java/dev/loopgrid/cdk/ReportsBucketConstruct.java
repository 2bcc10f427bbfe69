package dev.loopgrid.cdk;

import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.s3.StorageClass;
import software.amazon.awscdk.services.s3.Transition;
import software.constructs.Construct;

/**
 * The compliance reports bucket: private (all public access blocked, ACLs disabled), TLS only, S3-managed
 * encryption, versioned, and retained when the stack is deleted. Reports live under {@value #REPORTS_PREFIX};
 * they move to Standard-IA after {@value #TRANSITION_DAYS} days and their overwritten (noncurrent) versions
 * expire after {@value #NONCURRENT_EXPIRY_DAYS} days.
 *
 * <p>Large decisions' content lives under {@value #CONTENT_PREFIX} ({@code content/<tenant>/<sha256>.json}). It is
 * ledger data: no lifecycle rule transitions or expires it, current or noncurrent (the lifecycle rules of reports
 * are scoped to {@value #REPORTS_PREFIX}; the one bucket-wide rule only aborts incomplete multipart uploads), and
 * a version overwritten by tampering stays in the version history.
 */
public final class ReportsBucketConstruct extends Construct {
    public static final String REPORTS_PREFIX = "reports/";
    public static final int TRANSITION_DAYS = 90;
    public static final int NONCURRENT_EXPIRY_DAYS = 30;
    /**
     * What report functions may do with report objects: write them, and read them (a presigned GET is authorized as
     * the signer's own s3:GetObject). No list, no delete. Multipart uploads (large exports) are PutObject too; an
     * upload that is never completed is cleaned up by the bucket's lifecycle rule.
     */
    public static final List<String> REPORT_OBJECT_ACTIONS = List.of("s3:PutObject", "s3:GetObject");
    /** Key prefix of large decisions' content ({@code dev.loopgrid.core.decision.ContentStore#PREFIX}). */
    public static final String CONTENT_PREFIX = dev.loopgrid.core.decision.ContentStore.PREFIX;
    public static final List<String> CONTENT_READ_ACTIONS = List.of("s3:GetObject");
    public static final List<String> CONTENT_WRITE_ACTIONS = List.of("s3:PutObject");
    /** On the bucket itself: lets S3 answer 404 rather than 403 for a missing content object. */
    public static final List<String> CONTENT_LIST_ACTIONS = List.of("s3:ListBucket");

    /**
     * Where a tenant's stored exports live: {@code reports/<tenant>/exports/<export id>-…}
     * ({@code dev.loopgrid.core.report.ExportService}); an IAM pattern, the tenant as {@code *}.
     */
    public static final String EXPORTS_PATTERN = REPORTS_PREFIX + "*/exports/*";
    /** Listing a tenant's exports, every version (the bucket is versioned): only with a prefix under {@link #EXPORTS_PATTERN}. */
    public static final List<String> EXPORT_LIST_ACTIONS = List.of("s3:ListBucket", "s3:ListBucketVersions");
    /** Deleting them, every version: on objects under {@link #EXPORTS_PATTERN} only. */
    public static final List<String> EXPORT_PURGE_ACTIONS = List.of("s3:DeleteObject", "s3:DeleteObjectVersion");

    private final Bucket bucket;

    public ReportsBucketConstruct(Construct scope, String id) {
        super(scope, id);
        bucket = Bucket.Builder.create(this, "Bucket")
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .enforceSsl(true)
                .minimumTlsVersion(1.2)
                .encryption(BucketEncryption.S3_MANAGED)
                .versioned(true)
                .removalPolicy(RemovalPolicy.RETAIN)
                .lifecycleRules(List.of(
                        LifecycleRule.builder()
                                .id("reports")
                                .prefix(REPORTS_PREFIX)
                                .transitions(List.of(Transition.builder()
                                        .storageClass(StorageClass.INFREQUENT_ACCESS)
                                        .transitionAfter(Duration.days(TRANSITION_DAYS))
                                        .build()))
                                .noncurrentVersionExpiration(Duration.days(NONCURRENT_EXPIRY_DAYS))
                                .build(),
                        LifecycleRule.builder()
                                .id("abort-incomplete-uploads")
                                .abortIncompleteMultipartUploadAfter(Duration.days(7))
                                .build()))
                .build();
    }

    public Bucket bucket() {
        return bucket;
    }

    /**
     * Lets {@code role} do what {@code access} says with content objects under {@value #CONTENT_PREFIX} (nothing for
     * NONE): read them, and list the bucket so a missing object is a 404; WRITE also puts them.
     */
    public void grantContent(IRole role, ContentAccess access) {
        if (access == ContentAccess.NONE) return;
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ContentRead")
                .effect(Effect.ALLOW)
                .actions(CONTENT_READ_ACTIONS)
                .resources(List.of(bucket.arnForObjects(CONTENT_PREFIX + "*")))
                .build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ContentMissingIs404")
                .effect(Effect.ALLOW)
                .actions(CONTENT_LIST_ACTIONS)
                .resources(List.of(bucket.getBucketArn()))
                .build());
        if (access == ContentAccess.WRITE) {
            role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                    .sid("ContentWrite")
                    .effect(Effect.ALLOW)
                    .actions(CONTENT_WRITE_ACTIONS)
                    .resources(List.of(bucket.arnForObjects(CONTENT_PREFIX + "*")))
                    .build());
        }
    }

    /**
     * Lets {@code role} purge tenants' stored exports (an erasure does): list the bucket's objects and versions with a
     * prefix ({@code s3:prefix}) matching {@value #EXPORTS_PATTERN} only, and delete objects and object versions under
     * {@value #EXPORTS_PATTERN} only. No read, no put, and nothing else of the bucket: content, reports and the rest of
     * {@value #REPORTS_PREFIX} stay out of reach.
     */
    public void grantExportPurge(IRole role) {
        PolicyStatement list = PolicyStatement.Builder.create()
                .sid("ExportPurgeList")
                .effect(Effect.ALLOW)
                .actions(EXPORT_LIST_ACTIONS)
                .resources(List.of(bucket.getBucketArn()))
                .build();
        list.addCondition("StringLike", java.util.Map.of("s3:prefix", List.of(EXPORTS_PATTERN)));
        role.addToPrincipalPolicy(list);
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ExportPurgeDelete")
                .effect(Effect.ALLOW)
                .actions(EXPORT_PURGE_ACTIONS)
                .resources(List.of(bucket.arnForObjects(EXPORTS_PATTERN)))
                .build());
    }

    /** Lets {@code role} write and read objects under {@value #REPORTS_PREFIX} only. */
    public void grantReportObjects(IRole role) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ReportObjects")
                .effect(Effect.ALLOW)
                .actions(REPORT_OBJECT_ACTIONS)
                .resources(List.of(bucket.arnForObjects(REPORTS_PREFIX + "*")))
                .build());
    }
}
