package dev.loopgrid.aws.telemetry;

import com.amazonaws.services.lambda.runtime.Context;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.replay.ReplayExecutor;
import dev.loopgrid.core.replay.ReplayRecord;
import dev.loopgrid.core.replay.ReplayStatus;
import java.util.function.Supplier;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;
import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.MetricsFactory;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * Powertools for AWS Lambda, used through its functional API (no AspectJ weaving): structured JSON logs
 * carrying the invocation's context and a correlation id, and CloudWatch EMF metrics in the namespace
 * {@code POWERTOOLS_METRICS_NAMESPACE} (LoopGrid), flushed at the end of every invocation.
 *
 * <p>Only active inside Lambda ({@code AWS_LAMBDA_FUNCTION_NAME} set): locally and in tests every call is a
 * no-op, so nothing tries to reach a CloudWatch agent.
 */
public final class Telemetry {
    /** Metric names, namespace LoopGrid. */
    public static final String DECISIONS_RECORDED = "DecisionsRecorded";
    public static final String ENTRIES_APPENDED = "EntriesAppended";
    public static final String APPEND_CONFLICTS = "AppendConflicts";
    public static final String APPEND_RETRIES = "AppendRetries";
    public static final String APPEND_RETRY_EXHAUSTED = "AppendRetryExhausted";
    public static final String REPLAYS_COMPLETED = "ReplaysCompleted";
    public static final String REPLAYS_FAILED = "ReplaysFailed";
    public static final String REPLAY_LATENCY = "ReplayLatency";
    /** The key authorizer could not read the key store (API Gateway answers 503); its Errors metric also counts 401s. */
    public static final String AUTH_STORE_UNAVAILABLE = "AuthStoreUnavailable";

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Telemetry.class);
    private static final boolean IN_LAMBDA = System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null;

    private Telemetry() {}

    public static boolean active() {
        return IN_LAMBDA;
    }

    /**
     * Runs one invocation with Powertools logging (correlation id taken from {@code event} at
     * {@code correlationIdPath}, a JMESPath such as {@code requestContext.requestId}) and flushes the metrics
     * it recorded.
     */
    public static <T> T invocation(Context context, String correlationIdPath, Object event, Supplier<T> body) {
        if (!IN_LAMBDA || context == null) return body.get();
        return PowertoolsLogging.withLogging(context, correlationIdPath, event, () -> {
            try {
                return body.get();
            } finally {
                metrics().flush();
            }
        });
    }

    public static void count(String name, double value) {
        if (IN_LAMBDA) metrics().addMetric(name, value, MetricUnit.COUNT);
    }

    public static void millis(String name, double value) {
        if (IN_LAMBDA) metrics().addMetric(name, value, MetricUnit.MILLISECONDS);
    }

    private static Metrics metrics() {
        return MetricsFactory.getMetricsInstance();
    }

    /** Append outcomes as metrics; null outside Lambda so the ledger keeps its no-op default. */
    public static Ledger.Listener ledgerListener() {
        if (!IN_LAMBDA) return null;
        return new Ledger.Listener() {
            @Override
            public void committed(ChainKey chain, int entries, int attempts) {
                count(ENTRIES_APPENDED, entries);
            }

            @Override
            public void headMoved(ChainKey chain) {
                count(APPEND_CONFLICTS, 1);
                count(APPEND_RETRIES, 1);
            }

            @Override
            public void storeUnavailable(ChainKey chain, StoreException.Unavailable e) {
                LOG.warn("append to chain {} got no answer from the store, will retry: {}", chain.chainId(), e.getMessage());
                count(APPEND_RETRIES, 1);
            }

            @Override
            public void exhausted(ChainKey chain, int entries) {
                count(APPEND_RETRY_EXHAUSTED, entries);
            }
        };
    }

    /** Finished replays as metrics. */
    public static ReplayExecutor.Listener replayListener() {
        return (ReplayRecord result, long runMillis) -> {
            count(result.status() == ReplayStatus.COMPLETED ? REPLAYS_COMPLETED : REPLAYS_FAILED, 1);
            millis(REPLAY_LATENCY, runMillis);
        };
    }
}
