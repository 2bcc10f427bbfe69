package dev.loopgrid.cdk;

import dev.loopgrid.aws.Routes;
import java.util.Map;
import software.amazon.awscdk.Duration;

/**
 * Memory and timeout per function. Route defaults follow the route's table access; a few routes that do
 * more work get their own. Route timeouts stay below API Gateway's 29 s integration timeout.
 *
 * @param memoryMb       memory in MB (CPU scales with it; the JVM wants at least 512 MB to start quickly)
 * @param timeoutSeconds the function timeout
 */
public record FunctionSizing(int memoryMb, int timeoutSeconds) {
    /** API Gateway REST API's default (and maximum without a quota raise) integration timeout. */
    public static final int API_GATEWAY_TIMEOUT_SECONDS = 29;

    /**
     * The key authorizer: on the path of every keyed request, so CPU (memory) for latency; one GetItem per key per
     * {@code LOOPGRID_AUTH_CACHE_SECONDS} (its DynamoDB client gives up after 8 s), well below API Gateway's wait.
     */
    public static final FunctionSizing AUTHORIZER = new FunctionSizing(512, 10);

    private static final Map<String, FunctionSizing> OVERRIDES = Map.of(
            // walks a whole chain, re-hashing every entry
            "VerifyIntegrity", new FunctionSizing(1024, 29),
            // an OTLP export records up to thousands of decisions concurrently: CPU (memory) and time for the batch
            "OtlpTraces", new FunctionSizing(1024, 29),
            "OtlpLogs", new FunctionSizing(1024, 29),
            // a receipt may wait (?wait=, up to LogService.MAX_WAIT_SECONDS = 20 s) for the checkpoint that covers it
            "GetReceipt", new FunctionSizing(512, 29),
            "GetEntryReceipt", new FunctionSizing(512, 29));

    public static FunctionSizing of(Routes.Route route) {
        FunctionSizing override = OVERRIDES.get(route.name());
        if (override != null) return override;
        return switch (route.access()) {
            case NONE -> new FunctionSizing(256, 5);
            case READ -> new FunctionSizing(512, 10);
            // a receipt may wait up to 20 s for its checkpoint (?wait=N); the rest is a few S3 reads and a query
            case LOG -> new FunctionSizing(512, 25);
            case ENQUEUE -> new FunctionSizing(512, 10);
            // bounded optimistic retries (App: 12 s per DynamoDB call) fit below this
            case APPEND -> new FunctionSizing(512, 15);
            // a report re-hashes what was appended since the last one; an export writes every matching decision
            case REPORT -> new FunctionSizing(1024, 29);
            // a full verification walks every chain
            case VERIFY -> new FunctionSizing(1024, 29);
            // an append to the tenant's lifecycle chain with its projection items (a few reads, one transaction)
            case LIFECYCLE -> new FunctionSizing(512, 15);
            // rare admin calls: at most a GetItem and a two-item transaction (SnapStart covers the SDK's start-up)
            case KEYS -> new FunctionSizing(256, 10);
        };
    }

    public Duration timeout() {
        return Duration.seconds(timeoutSeconds);
    }
}
