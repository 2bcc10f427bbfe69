package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.template;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

class ReportsBucketTemplateTest {

    @Test
    void thereIsExactlyOneBucket_theReportsBucket_withoutAnAccessLogBucket() {
        template().resourceCountIs("AWS::S3::Bucket", 1);
    }

    @Test
    void bucket_blocksAllPublicAccess_encrypts_andKeepsVersions() {
        template().hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
                "PublicAccessBlockConfiguration", Map.of(
                        "BlockPublicAcls", true, "BlockPublicPolicy", true,
                        "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
                "BucketEncryption", Map.of("ServerSideEncryptionConfiguration", List.of(Map.of(
                        "ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "AES256")))),
                "VersioningConfiguration", Map.of("Status", "Enabled"),
                "OwnershipControls", Map.of("Rules", List.of(Map.of("ObjectOwnership", "BucketOwnerEnforced"))))));
    }

    @Test
    void bucket_expiresOldReportVersions_andMovesReportsToInfrequentAccess() {
        template().hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
                "LifecycleConfiguration", Map.of("Rules", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Prefix", ReportsBucketConstruct.REPORTS_PREFIX,
                        "Status", "Enabled",
                        "NoncurrentVersionExpiration", Map.of("NoncurrentDays", ReportsBucketConstruct.NONCURRENT_EXPIRY_DAYS),
                        "Transitions", List.of(Map.of(
                                "StorageClass", "STANDARD_IA",
                                "TransitionInDays", ReportsBucketConstruct.TRANSITION_DAYS))))))))));
    }

    @Test
    void bucket_refusesPlainHttpAndOldTls() {
        template().hasResourceProperties("AWS::S3::BucketPolicy", Match.objectLike(Map.of(
                "PolicyDocument", Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(
                        Match.objectLike(Map.of(
                                "Effect", "Deny",
                                "Action", "s3:*",
                                "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))),
                        Match.objectLike(Map.of(
                                "Effect", "Deny",
                                "Condition", Map.of("NumericLessThan", Map.of("s3:TlsVersion", 1.2)))))))))));
    }

    @Test
    void bucket_isRetained_whenTheStackGoes() {
        template().hasResource("AWS::S3::Bucket", Match.objectLike(Map.of(
                "DeletionPolicy", "Retain", "UpdateReplacePolicy", "Retain")));
    }
}
