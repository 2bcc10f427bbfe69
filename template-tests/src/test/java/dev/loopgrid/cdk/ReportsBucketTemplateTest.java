package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

class ReportsBucketTemplateTest {

    @Test
    void thereAreExactlyThreeBuckets_reports_logTiles_logCheckpoints_withoutAnAccessLogBucket() {
        template().resourceCountIs("AWS::S3::Bucket", 3);
        assertEquals(Set.of(Synthesized.reportsBucketId(), Synthesized.tilesBucketId(), Synthesized.checkpointBucketId()),
                Synthesized.resources("AWS::S3::Bucket").keySet());
    }

    /** Every bucket of the stack: private, encrypted, versioned, owner-enforced. */
    @Test
    void bucket_blocksAllPublicAccess_encrypts_andKeepsVersions() {
        template().allResourcesProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
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

    /**
     * Large decisions' content is ledger data: whatever rules the bucket has, none may expire or transition an object
     * (or an old version of one) under content/. A rule applies to content/ unless its prefix excludes it.
     */
    @Test
    void contentObjects_areNeverExpiredNorTransitioned() {
        Map<String, Object> bucket = Synthesized.resources("AWS::S3::Bucket").get(Synthesized.reportsBucketId());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rules = (List<Map<String, Object>>) ((Map<String, Object>) Synthesized.props(bucket)
                .get("LifecycleConfiguration")).get("Rules");
        assertFalse(rules.isEmpty());
        boolean reportsRule = false;
        for (Map<String, Object> rule : rules) {
            Object prefix = rule.get("Prefix");
            if (prefix == null && rule.containsKey("Filter")) prefix = "?filter " + rule.get("Filter");
            boolean coversContent = prefix == null || ReportsBucketConstruct.CONTENT_PREFIX.startsWith(prefix.toString());
            if (!coversContent) {
                assertTrue(prefix.toString().startsWith(ReportsBucketConstruct.REPORTS_PREFIX), "unexpected rule " + rule);
                reportsRule = true;
                continue;
            }
            // a rule over the whole bucket may only clean up incomplete multipart uploads
            for (String key : rule.keySet()) {
                assertTrue(List.of("Id", "Status", "AbortIncompleteMultipartUpload").contains(key),
                        "a rule that reaches content/ does " + key + ": " + rule);
            }
        }
        assertTrue(reportsRule, "the reports rule is scoped to " + ReportsBucketConstruct.REPORTS_PREFIX);
        assertEquals("content/", ReportsBucketConstruct.CONTENT_PREFIX);
    }

    /** Every bucket of the stack refuses plain HTTP and TLS below 1.2. */
    @Test
    void bucket_refusesPlainHttpAndOldTls() {
        template().resourceCountIs("AWS::S3::BucketPolicy", 3);
        template().allResourcesProperties("AWS::S3::BucketPolicy", Match.objectLike(Map.of(
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
        template().allResources("AWS::S3::Bucket", Match.objectLike(Map.of(
                "DeletionPolicy", "Retain", "UpdateReplacePolicy", "Retain")));
    }
}
