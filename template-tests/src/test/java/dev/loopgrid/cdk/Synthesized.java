package dev.loopgrid.cdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * The synthesized template, built once per test JVM (synthesis costs seconds) with a fixed account and
 * region, API keys required and the tenants {@link #TENANTS} registered for throttling. The functions' code is the real Lambda jar when it has been built, else a small dummy jar made
 * in target/, so the tests do not depend on the order modules are packaged in.
 */
final class Synthesized {
    static final String ACCOUNT = "123456789012";
    static final String REGION = "eu-west-1";
    /** The main template registers two tenants for usage plans of their own. */
    static final List<String> TENANTS = List.of("acme", "globex");

    private static Template template;
    private static LoopGridStack stack;

    private Synthesized() {}

    static synchronized Template template() {
        if (template == null) {
            stack = synthesize(ApiConstruct.Auth.keys(TENANTS));
            template = Template.fromStack(stack);
        }
        return template;
    }

    private static Template monitoring;

    /**
     * The nested stack of alarms and their topic, with every parameter the main stack passes in replaced by the value
     * it passes ({@code {"Ref": <function id>}}, {@code {"Fn::GetAtt": [<queue id>, "QueueName"]}}, …), so alarms are
     * checked against the main template's logical ids.
     */
    @SuppressWarnings("unchecked")
    static synchronized Template monitoring() {
        if (monitoring == null) {
            Map<String, Object> parameters = null;
            for (Map<String, Object> r : template().findResources("AWS::CloudFormation::Stack").values()) {
                parameters = (Map<String, Object>) props(r).getOrDefault("Parameters", Map.of());
            }
            Map<String, Object> nested = Template.fromStack(stack.monitoring()).toJSON();
            monitoring = Template.fromJSON((Map<String, Object>) substitute(nested, parameters));
        }
        return monitoring;
    }

    @SuppressWarnings("unchecked")
    private static Object substitute(Object value, Map<String, Object> parameters) {
        if (value instanceof Map<?, ?> m) {
            if (m.size() == 1 && m.get("Ref") instanceof String ref && parameters.containsKey(ref)) return parameters.get(ref);
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) out.put((String) e.getKey(), substitute(e.getValue(), parameters));
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) out.add(substitute(o, parameters));
            return out;
        }
        return value;
    }

    static synchronized LoopGridStack stack() {
        template();
        return stack;
    }

    /** A fresh stack in its own app (for variants of the configuration). */
    static LoopGridStack synthesize(ApiConstruct.Auth auth) {
        App app = newApp();
        return LoopGridApp.createStack(app, "LoopGrid",
                StackProps.builder().env(Environment.builder().account(ACCOUNT).region(REGION).build()).build(),
                new LoopGridStack.Config(lambdaJar(), "default", null, auth));
    }

    /**
     * An app whose synthesis does not stop at CloudFormation's 500 resources per stack ({@code
     * @aws-cdk/core:stackResourceLimit} 0), so that every other property of the template stays checkable;
     * {@code StackTemplateTest.stack_fitsCloudFormationsResourceLimit} checks the limit itself.
     */
    static App newApp() {
        return new App(software.amazon.awscdk.AppProps.builder()
                .context(Map.of("@aws-cdk/core:stackResourceLimit", 0)).build());
    }

    static Path lambdaJar() {
        Path root = Path.of(System.getProperty("loopgrid.repoRoot", "..")).toAbsolutePath().normalize();
        Path real = root.resolve(LoopGridApp.defaultLambdaJar());
        if (Files.isRegularFile(real)) return real;
        Path dummy = Path.of(System.getProperty("loopgrid.buildDir", "target")).resolve("dummy-lambda.jar").toAbsolutePath();
        if (!Files.isRegularFile(dummy)) {
            try {
                Files.createDirectories(dummy.getParent());
                Manifest manifest = new Manifest();
                manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
                try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(dummy), manifest)) {
                    out.putNextEntry(new ZipEntry("README.txt"));
                    out.write("placeholder for the LoopGrid Lambda jar in template tests\n".getBytes());
                    out.closeEntry();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dummy;
    }

    /** The logical id of a construct's CloudFormation resource in the main template. */
    static String logicalId(software.constructs.IConstruct construct) {
        LoopGridStack s = stack();
        return s.getLogicalId((software.amazon.awscdk.CfnElement) construct.getNode().getDefaultChild());
    }

    /** The reports bucket (reports and large decisions' content). */
    static String reportsBucketId() { return logicalId(stack().reports().bucket()); }

    /** The verifiable log's tiles bucket. */
    static String tilesBucketId() { return logicalId(stack().log().logBucket()); }

    /** The verifiable log's checkpoint bucket (Object Lock). */
    static String checkpointBucketId() { return logicalId(stack().log().checkpointBucket()); }

    /** The verifiable log's signing key. */
    static String logKeyId() { return logicalId(stack().log().key()); }

    /** The replay pipeline's dead-letter queue. */
    static String replayDlqId() { return logicalId(stack().replays().deadLetterQueue()); }

    /** The integrator's on-failure queue. */
    static String integratorFailuresId() { return logicalId(stack().log().failures()); }

    static final String INTEGRATOR_HANDLER = "dev.loopgrid.aws.log.IntegratorHandler::handleRequest";

    // ---- small readers over Template.findResources results ----

    /** Logical id → resource, for one type. */
    static Map<String, Map<String, Object>> resources(String type) {
        return template().findResources(type);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> props(Map<String, Object> resource) {
        return (Map<String, Object>) resource.getOrDefault("Properties", Map.of());
    }

    /** The logical id a {@code {"Ref": id}} or {@code {"Fn::GetAtt": [id, attr]}} points at, else null. */
    @SuppressWarnings("unchecked")
    static String refId(Object value) {
        if (value instanceof Map<?, ?> m) {
            if (m.get("Ref") instanceof String s) return s;
            if (m.get("Fn::GetAtt") instanceof List<?> l && !l.isEmpty()) return (String) l.get(0);
        }
        return null;
    }

    /** Every logical id referenced anywhere inside a value (Ref and Fn::GetAtt). */
    static List<String> refsIn(Object value) {
        List<String> out = new ArrayList<>();
        collectRefs(value, out);
        return out;
    }

    private static void collectRefs(Object value, List<String> out) {
        String id = refId(value);
        if (id != null) out.add(id);
        if (value instanceof Map<?, ?> m) m.values().forEach(v -> collectRefs(v, out));
        else if (value instanceof List<?> l) l.forEach(v -> collectRefs(v, out));
    }

    /** A statement's actions, whether CloudFormation has them as a string or a list. */
    static List<String> actions(Map<String, Object> statement) {
        Object a = statement.get("Action");
        List<String> out = new ArrayList<>();
        if (a instanceof String s) out.add(s);
        else if (a instanceof List<?> l) l.forEach(x -> out.add((String) x));
        return out;
    }

    /** The logical id of the function with this handler (exactly one). */
    static String functionId(String handler) {
        return template().getResourceId("AWS::Lambda::Function",
                Match.objectLike(Map.of("Properties", Match.objectLike(Map.of("Handler", handler)))));
    }

    /** The logical id of the role of the function with this handler. */
    static String roleIdOf(String handler) {
        return refId(props(resources("AWS::Lambda::Function").get(functionId(handler))).get("Role"));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> statements(Map<String, Object> policyResource) {
        Map<String, Object> doc = (Map<String, Object>) props(policyResource).get("PolicyDocument");
        return (List<Map<String, Object>>) doc.get("Statement");
    }
}
