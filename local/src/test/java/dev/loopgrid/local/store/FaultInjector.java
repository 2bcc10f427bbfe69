package dev.loopgrid.local.store;

import java.io.IOException;
import java.net.ConnectException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Makes a share of a client's DynamoDB calls fail the ways a network and a remote service fail. Install it on
 * a client without SDK retries, so every fault reaches the code under test.
 *
 * <p>It also counts what it cannot fake: transactions that the server applied (HTTP 2xx) but whose caller got
 * an error, i.e. writes that landed unacknowledged at the SDK level.
 */
final class FaultInjector implements ExecutionInterceptor {

    enum Kind {
        /** the request never leaves (connection refused): not applied */
        FAIL_BEFORE_SENDING,
        /** the server applied the request, then the connection broke before the answer was read */
        FAIL_AFTER_APPLYING,
        /** the request hangs before it is sent until the attempt timeout fires: not applied */
        TIMEOUT_BEFORE_SENDING,
        /** the server applied the request, then the answer is late past the attempt timeout */
        TIMEOUT_AFTER_APPLYING
    }

    private static final ExecutionAttribute<Kind> PLANNED = new ExecutionAttribute<>("loopgrid.test.fault");
    private static final ExecutionAttribute<Boolean> SERVER_ANSWERED_OK = new ExecutionAttribute<>("loopgrid.test.ok");

    private final List<Kind> kinds;
    private final double rate;
    private final long hangMillis;
    private final SplittableRandom random;
    private final AtomicInteger forcedTransactions;
    private volatile boolean enabled = true;

    final AtomicInteger calls = new AtomicInteger();
    final Map<Kind, AtomicInteger> injected = new EnumMap<>(Kind.class);
    /** calls whose caller got an exception (injected or not) */
    final AtomicInteger failuresSeen = new AtomicInteger();
    /** TransactWriteItems the server applied although the caller got an exception */
    final AtomicInteger transactionsLandedButFailed = new AtomicInteger();
    /** exception class → how many callers got it */
    final Map<String, Integer> failureTypes = new java.util.concurrent.ConcurrentSkipListMap<>();

    /**
     * @param rate               share of calls that fail, 0..1
     * @param hangMillis         how long a timeout fault hangs (more than the client's attempt timeout)
     * @param forcedTransactions the first this many TransactWriteItems calls fail for sure (so every kind is exercised)
     */
    FaultInjector(List<Kind> kinds, double rate, long hangMillis, int forcedTransactions, long seed) {
        this.kinds = List.copyOf(kinds);
        this.rate = rate;
        this.hangMillis = hangMillis;
        this.random = new SplittableRandom(seed);
        this.forcedTransactions = new AtomicInteger(forcedTransactions);
        for (Kind k : Kind.values()) injected.put(k, new AtomicInteger());
    }

    void disable() {
        enabled = false;
    }

    int injectedTotal() {
        return injected.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        calls.incrementAndGet();
        if (!enabled) return;
        Kind kind = plan(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
        if (kind == null) return;
        injected.get(kind).incrementAndGet();
        attributes.putAttribute(PLANNED, kind);
        switch (kind) {
            case FAIL_BEFORE_SENDING -> throw SdkClientException.create("injected: connection refused",
                    new ConnectException("Connection refused (injected)"));
            case TIMEOUT_BEFORE_SENDING -> hang();
            default -> { }
        }
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        attributes.putAttribute(SERVER_ANSWERED_OK, context.httpResponse().isSuccessful());
        Kind kind = attributes.getAttribute(PLANNED);
        if (kind == Kind.FAIL_AFTER_APPLYING) {
            drop(context);
            throw SdkClientException.create("injected: connection reset while reading the answer",
                    new IOException("Connection reset (injected)"));
        }
        if (kind == Kind.TIMEOUT_AFTER_APPLYING) {
            try {
                hang();
            } catch (RuntimeException e) {
                drop(context);
                throw e;
            }
        }
    }

    /**
     * Drops the connection of an answer this injector fails, as a reset or a timeout does. Thrown from here, the SDK
     * never reads the answer's body, so it would never give the connection back to its pool: a client whose calls
     * failed so more times than its pool has connections then waited for one for good (FaultInjectionTest's 16
     * instances, about one run in five: "a request thread did not finish within 60 s", parked in the pool).
     */
    private static void drop(Context.AfterTransmission context) {
        context.responseBody().ifPresent(body -> {
            try {
                if (body instanceof software.amazon.awssdk.http.Abortable a) a.abort();
                else body.close();
            } catch (IOException | RuntimeException ignored) {
                // the connection is gone either way
            }
        });
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        failuresSeen.incrementAndGet();
        failureTypes.merge(context.exception().getClass().getSimpleName(), 1, Integer::sum);
        if (Boolean.TRUE.equals(attributes.getAttribute(SERVER_ANSWERED_OK))
                && "TransactWriteItems".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
            transactionsLandedButFailed.incrementAndGet();
        }
    }

    private Kind plan(String operation) {
        boolean forced = "TransactWriteItems".equals(operation) && forcedTransactions.getAndDecrement() > 0;
        synchronized (random) {
            if (!forced && random.nextDouble() >= rate) return null;
            return kinds.get(random.nextInt(kinds.size()));
        }
    }

    /** Sleeps past the attempt timeout; the SDK interrupts the thread when the timeout fires. */
    private void hang() {
        try {
            Thread.sleep(hangMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SdkClientException.create("injected: interrupted by the attempt timeout", e);
        }
    }
}
