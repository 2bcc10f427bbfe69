package dev.loopgrid.aws;

import dev.loopgrid.aws.store.DynamoLedgerStore;
import dev.loopgrid.core.DecisionService;
import dev.loopgrid.core.IntegrityService;
import dev.loopgrid.core.Ledger;
import dev.loopgrid.core.LedgerStore;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The composition root: everything expensive (the DynamoDB client, the store, the ledger with its cached
 * heads) is built once per process, here. Lambda handlers reach it through {@link #get()}; the local stack
 * and tests build their own with {@link #create}.
 */
public final class App {
    public static final String VERSION = "0.2.0";

    private static volatile App instance;

    public final Config config;
    public final LedgerStore store;
    public final Ledger ledger;
    public final DecisionService decisions;
    public final IntegrityService integrity;

    /** Typed configuration; {@link #fromEnvironment} fails fast naming a missing variable. */
    public record Config(String table, String tenant, int maxContentBytes) {
        public static Config fromEnvironment(Map<String, String> env) {
            String table = env.get("LOOPGRID_TABLE");
            if (table == null || table.isBlank()) {
                throw new IllegalStateException("environment variable LOOPGRID_TABLE (the ledger table name) is not set");
            }
            String tenant = env.getOrDefault("LOOPGRID_TENANT", "default");
            int max = Integer.parseInt(env.getOrDefault("LOOPGRID_MAX_CONTENT_BYTES",
                    Integer.toString(DecisionService.DEFAULT_MAX_CONTENT_BYTES)));
            return new Config(table, tenant, max);
        }
    }

    private App(Config config, LedgerStore store, Ledger.Listener listener, Clock clock) {
        this.config = config;
        this.store = store;
        this.ledger = new Ledger(store, clock, Ledger.Policy.defaults(), listener);
        this.decisions = new DecisionService(store, ledger, clock, config.maxContentBytes());
        this.integrity = new IntegrityService(store);
    }

    /** Builds the application over an existing client (local stack, tests). */
    public static App create(DynamoDbClient dynamo, Config config, Clock clock) {
        return new App(config, new DynamoLedgerStore(dynamo, config.table(), clock), null, clock);
    }

    /** Builds the application over any store (tests with fault injection). */
    public static App create(LedgerStore store, Config config, Clock clock) {
        return new App(config, store, null, clock);
    }

    /** The process-wide instance, built from the environment on first use (Lambda). */
    public static App get() {
        App a = instance;
        if (a == null) {
            synchronized (App.class) {
                a = instance;
                if (a == null) {
                    instance = a = fromEnvironment(System.getenv());
                }
            }
        }
        return a;
    }

    /** Installs the process-wide instance (the local stack does this before serving). */
    public static void install(App app) {
        instance = app;
    }

    static App fromEnvironment(Map<String, String> env) {
        Config config = Config.fromEnvironment(env);
        var builder = DynamoDbClient.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(5))
                        .build())
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallAttemptTimeout(Duration.ofSeconds(5))
                        .apiCallTimeout(Duration.ofSeconds(12))
                        .build());
        String region = env.get("AWS_REGION");
        if (region != null) builder.region(Region.of(region));
        String endpoint = env.get("LOOPGRID_DYNAMODB_ENDPOINT");
        if (endpoint != null && !endpoint.isBlank()) builder.endpointOverride(URI.create(endpoint));
        return create(builder.build(), config, Clock.systemUTC());
    }
}
