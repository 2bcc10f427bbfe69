package dev.loopgrid.cdk;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;

/**
 * The CDK app: {@code cdk synth} / {@code cdk deploy} run it through {@code mvn -e -q -B compile exec:java}
 * (see {@code cdk.json}). It reads its settings from CDK context values ({@code -c key=value}) or the
 * matching system properties, and synthesizes one {@link LoopGridStack}.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>context</th><th>system property</th><th>default</th></tr>
 *   <tr><td>{@code loopgrid:lambdaJar}</td><td>{@code loopgrid.lambdaJar}</td>
 *       <td>{@code functions/aws/target/loopgrid-functions-<version>-lambda.jar}, relative to the repository root</td></tr>
 *   <tr><td>{@code loopgrid:tenant}</td><td>{@code loopgrid.tenant}</td><td>{@code default}</td></tr>
 *   <tr><td>{@code loopgrid:alarmEmail}</td><td>{@code loopgrid.alarmEmail}</td><td>none (alarms go to an SNS topic only)</td></tr>
 *   <tr><td>{@code loopgrid:openApi}</td><td>{@code loopgrid.openApi}</td><td>{@code false}: every non-public route is
 *       behind the key authorizer; {@code true} deploys without it (open single-tenant mode, unsafe: demos only)</td></tr>
 *   <tr><td>{@code loopgrid:tenants}</td><td>{@code loopgrid.tenants}</td><td>none: tenants (comma-separated) with a
 *       usage plan of their own; all others share one plan</td></tr>
 *   <tr><td>{@code loopgrid:tenantRate}</td><td>{@code loopgrid.tenantRate}</td><td>{@code 50} requests/s per registered tenant</td></tr>
 *   <tr><td>{@code loopgrid:tenantBurst}</td><td>{@code loopgrid.tenantBurst}</td><td>{@code 100} per registered tenant</td></tr>
 *   <tr><td>{@code loopgrid:keyCacheSeconds}</td><td>{@code loopgrid.keyCacheSeconds}</td><td>{@code 60}: the authorizer's
 *       in-function cache of verified keys (a revoked key may pass this long)</td></tr>
 *   <tr><td>{@code loopgrid:gatewayCacheSeconds}</td><td>{@code loopgrid.gatewayCacheSeconds}</td><td>{@code 0}: API
 *       Gateway's authorizer cache off; &gt; 0 caches keyed on {@code Authorization} only ({@code X-Api-Key}-only
 *       clients then get 401)</td></tr>
 *   <tr><td>{@code loopgrid:checkpointRetentionDays}</td><td>{@code loopgrid.checkpointRetentionDays}</td><td>{@code 180}:
 *       the verifiable log's signed checkpoints are locked this long (S3 Object Lock, compliance mode: irreversible)</td></tr>
 *   <tr><td>{@code loopgrid:checkpointIntervalMs}</td><td>{@code loopgrid.checkpointIntervalMs}</td><td>{@code 5000}: at
 *       most one signed checkpoint per tenant per interval (1000..30000)</td></tr>
 *   <tr><td>{@code loopgrid:stackName}</td><td>{@code loopgrid.stackName}</td><td>{@code LoopGrid}</td></tr>
 * </table>
 */
public final class LoopGridApp {
    public static final String DEFAULT_STACK_NAME = "LoopGrid";

    private LoopGridApp() {}

    public static void main(String[] args) {
        App app = new App();
        Path repoRoot = findRepoRoot(Path.of(System.getProperty("user.dir")).toAbsolutePath());
        LoopGridStack.Config config = configFrom(app, repoRoot);
        String stackName = setting(app, "stackName", DEFAULT_STACK_NAME);
        // Environment-agnostic unless the CLI resolved an account/region (cdk deploy with credentials does).
        StackProps.Builder props = StackProps.builder()
                .description("LoopGrid: system of record for AI decisions (API, functions, ledger table, replay queue, reports bucket, verifiable log, alarms)");
        String account = System.getenv("CDK_DEFAULT_ACCOUNT");
        String region = System.getenv("CDK_DEFAULT_REGION");
        if (account != null || region != null) {
            props.env(Environment.builder().account(account).region(region).build());
        }
        createStack(app, stackName, props.build(), config);
        app.synth();
    }

    /** Builds the stack into an app; shared by {@link #main} and the template tests so both synthesize alike. */
    public static LoopGridStack createStack(App app, String stackName, StackProps props, LoopGridStack.Config config) {
        LoopGridStack stack = new LoopGridStack(app, stackName, props, config);
        Tags.of(stack).add("project", "loopgrid");
        return stack;
    }

    /** Reads the settings from context / system properties and checks that the Lambda jar exists. */
    static LoopGridStack.Config configFrom(App app, Path repoRoot) {
        String jarSetting = setting(app, "lambdaJar", defaultLambdaJar());
        Path jar = repoRoot.resolve(jarSetting).normalize();
        requireJar(jar);
        return new LoopGridStack.Config(jar,
                setting(app, "tenant", "default"),
                setting(app, "alarmEmail", null),
                authFrom(app),
                logFrom(app));
    }

    /** The verifiable log's settings; a malformed value stops the app naming the setting. */
    static VerifiableLogConstruct.Settings logFrom(App app) {
        return new VerifiableLogConstruct.Settings(
                (int) whole(app, "checkpointRetentionDays", VerifiableLogConstruct.DEFAULT_CHECKPOINT_RETENTION_DAYS),
                whole(app, "checkpointIntervalMs", VerifiableLogConstruct.DEFAULT_CHECKPOINT_INTERVAL_MS));
    }

    /** The authorizer and throttling settings; a malformed value stops the app naming the setting. */
    static ApiConstruct.Auth authFrom(App app) {
        String open = setting(app, "openApi", "false");
        if (!open.equals("true") && !open.equals("false")) {
            throw new IllegalArgumentException("loopgrid:openApi must be true or false, got \"" + open + "\"");
        }
        return new ApiConstruct.Auth(Boolean.parseBoolean(open),
                tenants(app.getNode().tryGetContext("loopgrid:tenants"), System.getProperty("loopgrid.tenants")),
                number(app, "tenantRate", ApiConstruct.Auth.DEFAULT_TENANT_RATE),
                (int) whole(app, "tenantBurst", ApiConstruct.Auth.DEFAULT_TENANT_BURST),
                (int) whole(app, "keyCacheSeconds", ApiConstruct.Auth.DEFAULT_KEY_CACHE_SECONDS),
                (int) whole(app, "gatewayCacheSeconds", 0));
    }

    /** {@code acme,globex} from {@code -c}, or a JSON list in cdk.json; blanks dropped, order kept. */
    static List<String> tenants(Object fromContext, String fromProperty) {
        Object value = fromContext != null ? fromContext : fromProperty;
        List<String> out = new ArrayList<>();
        if (value == null) return out;
        List<?> items = value instanceof List<?> l ? l : Arrays.asList(value.toString().split(","));
        for (Object item : items) {
            String t = String.valueOf(item).strip();
            if (!t.isEmpty()) out.add(t);
        }
        return out;
    }

    private static double number(App app, String key, double fallback) {
        String v = setting(app, key, null);
        if (v == null) return fallback;
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("loopgrid:" + key + " must be a number, got \"" + v + "\"");
        }
    }

    private static long whole(App app, String key, long fallback) {
        double d = number(app, key, fallback);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("loopgrid:" + key + " must be a whole number, got " + d);
        }
        return (long) d;
    }

    /** Fails with a message that says how to produce the jar. */
    public static void requireJar(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("The Lambda jar " + jar + " does not exist. Build it first with "
                    + "`mvn -B install -DskipTests` at the repository root, or point the app at a jar with "
                    + "`-c loopgrid:lambdaJar=<path relative to the repository root or absolute>` "
                    + "(system property loopgrid.lambdaJar).");
        }
    }

    /** The default jar location, relative to the repository root (from the build: carries the project version). */
    public static String defaultLambdaJar() {
        return defaults().getProperty("lambdaJar");
    }

    private static String setting(App app, String key, String fallback) {
        Object fromContext = app.getNode().tryGetContext("loopgrid:" + key);
        if (fromContext != null && !fromContext.toString().isBlank()) return fromContext.toString();
        String fromProperty = System.getProperty("loopgrid." + key);
        if (fromProperty != null && !fromProperty.isBlank()) return fromProperty;
        return fallback;
    }

    /** The repository root: the nearest ancestor holding {@code functions/aws}; the start folder if none. */
    static Path findRepoRoot(Path start) {
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("functions").resolve("aws"))) return p;
        }
        return start;
    }

    static Properties defaults() {
        Properties props = new Properties();
        try (InputStream in = LoopGridApp.class.getResourceAsStream("/loopgrid-cdk.properties")) {
            if (in == null) throw new IllegalStateException("loopgrid-cdk.properties is missing from the classpath");
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props;
    }
}
