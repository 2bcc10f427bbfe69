package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.actions;
import static dev.loopgrid.cdk.Synthesized.props;
import static dev.loopgrid.cdk.Synthesized.refsIn;
import static dev.loopgrid.cdk.Synthesized.resources;
import static dev.loopgrid.cdk.Synthesized.statements;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.Routes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Erasure purges the tenant's stored exports ({@code reports/<tenant>/exports/}, every version): the lifecycle routes
 * and the lifecycle sweep may list the bucket's versions under that prefix and delete objects and versions there,
 * and no function may delete anything else of any bucket.
 */
class ExportPurgeTemplateTest {
    private static final String SWEEP_HANDLER = "dev.loopgrid.aws.worker.LifecycleSweepHandler::handleRequest";

    private static List<String> purgers() {
        List<String> out = new ArrayList<>();
        for (Routes.Route r : Routes.ALL) if (r.access() == Routes.Access.LIFECYCLE) out.add(r.lambdaHandler());
        assertEquals(Set.of("EraseSubject", "PlaceHold", "ReleaseHold", "SetRetention"), new TreeSet<>(Routes.ALL.stream()
                .filter(r -> r.access() == Routes.Access.LIFECYCLE).map(Routes.Route::name).toList()));
        out.add(SWEEP_HANDLER);
        return out;
    }

    private static List<Map<String, Object>> allowsOf(String handler) {
        String roleId = Synthesized.roleIdOf(handler);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> policy : resources("AWS::IAM::Policy").values()) {
            if (!refsIn(props(policy).get("Roles")).contains(roleId)) continue;
            for (Map<String, Object> st : statements(policy)) if ("Allow".equals(st.get("Effect"))) out.add(st);
        }
        return out;
    }

    @Test
    @SuppressWarnings("unchecked")
    void lifecycleFunctions_listAndDeleteOnlyStoredExports_everyVersion() {
        String bucketId = Synthesized.reportsBucketId();
        for (String handler : purgers()) {
            List<Map<String, Object>> list = allowsOf(handler).stream()
                    .filter(st -> actions(st).contains("s3:ListBucketVersions")).toList();
            assertEquals(1, list.size(), handler);
            Map<String, Object> l = list.get(0);
            assertEquals(Set.of("s3:ListBucket", "s3:ListBucketVersions"), new TreeSet<>(actions(l)), handler);
            assertEquals(Map.of("Fn::GetAtt", List.of(bucketId, "Arn")), l.get("Resource"), handler);
            assertEquals(Map.of("StringLike", Map.of("s3:prefix", List.of("reports/*/exports/*"))), l.get("Condition"),
                    handler);

            List<Map<String, Object>> delete = allowsOf(handler).stream()
                    .filter(st -> actions(st).stream().anyMatch(a -> a.startsWith("s3:Delete"))).toList();
            assertEquals(1, delete.size(), handler);
            Map<String, Object> d = delete.get(0);
            assertEquals(Set.of("s3:DeleteObject", "s3:DeleteObjectVersion"), new TreeSet<>(actions(d)), handler);
            assertEquals(List.of(bucketId), refsIn(d.get("Resource")), handler);
            assertTrue(String.valueOf(d.get("Resource")).contains("/reports/*/exports/*"), handler + ": " + d.get("Resource"));
            assertFalse(d.containsKey("Condition"), handler);

            Map<String, Object> env = (Map<String, Object>) ((Map<String, Object>) props(resources("AWS::Lambda::Function")
                    .get(Synthesized.functionId(handler))).get("Environment")).get("Variables");
            assertEquals(Map.of("Ref", bucketId), env.get("LOOPGRID_REPORTS_BUCKET"), handler);
        }
    }

    @Test
    void noOtherFunction_mayDeleteFromAnyBucket_orListObjectVersions() {
        List<String> purgers = purgers();
        int others = 0;
        for (Map<String, Object> f : resources("AWS::Lambda::Function").values()) {
            String handler = (String) props(f).get("Handler");
            if (purgers.contains(handler)) continue;
            others++;
            for (Map<String, Object> st : allowsOf(handler)) {
                for (String a : actions(st)) {
                    assertFalse(a.startsWith("s3:Delete") || a.equals("s3:ListBucketVersions") || a.equals("s3:*"),
                            handler + " may " + a);
                }
            }
        }
        assertEquals(resources("AWS::Lambda::Function").size() - purgers.size(), others);
    }
}
