package dev.loopgrid.local.store;

import dev.loopgrid.local.TestApps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.App;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.local.store.FaultInjector.Kind;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Concurrent appends while ~10% of DynamoDB calls fail: before the request is sent, after the server applied
 * it (the caller sees an error for a write that landed), or by timing out. SDK retries are off, so the
 * Ledger's own policy (retry, and "did my ambiguous write land?") does all the work. Whatever fails, every
 * acknowledged decision is stored exactly once, the chain has no fork and no gap, and the only other entries
 * are writes whose caller got 503, each at most once.
 */
class FaultInjectionTest extends StoreTestSupport {
    private static final double RATE = 0.10;
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofMillis(200);
    private static final long HANG_MILLIS = 300;

    private record Run(Workload.Outcome outcome, List<FaultInjector> injectors, int landedUnacknowledged, String table) {
        int injected() {
            return injectors.stream().mapToInt(FaultInjector::injectedTotal).sum();
        }

        int injected(Kind k) {
            return injectors.stream().mapToInt(i -> i.injected.get(k).get()).sum();
        }

        int failuresSeen() {
            return injectors.stream().mapToInt(i -> i.failuresSeen.get()).sum();
        }

        int transactionsLandedButFailed() {
            return injectors.stream().mapToInt(i -> i.transactionsLandedButFailed.get()).sum();
        }

        int calls() {
            return injectors.stream().mapToInt(i -> i.calls.get()).sum();
        }
    }

    @Test
    void oneProcess_failuresBeforeSending_loseNothing_duplicateNothing() throws Exception {
        // given / when
        Run run = run("before-sending", 1, 32, 25, List.of(Kind.FAIL_BEFORE_SENDING));

        // then nothing can land unseen: the stored entries are exactly the acknowledged ones
        assertTrue(run.injected(Kind.FAIL_BEFORE_SENDING) > 0);
        assertEquals(0, run.transactionsLandedButFailed());
        assertEquals(0, run.landedUnacknowledged());
    }

    @Test
    void oneProcess_failuresAfterTheServerApplied_areSettledByReading_andAcknowledgedOnce() throws Exception {
        // given / when
        Run run = run("after-applying", 1, 32, 25, List.of(Kind.FAIL_AFTER_APPLYING));

        // then writes landed behind an error (the first transaction at least), and none was written twice
        assertTrue(run.transactionsLandedButFailed() >= 1, "no applied transaction was reported as failed");
        assertTrue(run.landedUnacknowledged() == 0 || run.transactionsLandedButFailed() > 0);
    }

    @Test
    void oneProcess_timeoutsBeforeAndAfterApplying_loseNothing_duplicateNothing() throws Exception {
        // given / when
        Run run = run("timeouts", 1, 32, 25, List.of(Kind.TIMEOUT_BEFORE_SENDING, Kind.TIMEOUT_AFTER_APPLYING));

        // then the attempt timeout fired
        assertTrue(run.injected() > 0);
        assertTrue(run.injectors().get(0).failureTypes.containsKey("ApiCallAttemptTimeoutException"),
                "no attempt timed out: " + run.injectors().get(0).failureTypes);
    }

    @Test
    void fourProcesses_allFaultKinds_loseNothing_duplicateNothing() throws Exception {
        // given / when four processes race on one chain while their calls fail in every way
        Run run = run("mixed, 4 processes", 4, 8, 25, List.of(Kind.values()));

        // then
        assertTrue(run.transactionsLandedButFailed() >= 1);
    }

    @Test
    void lambdaModel_16InstancesStaged_allFaultKinds_loseNothing_duplicateNothing() throws Exception {
        // given / when 16 Lambda instances (one request at a time each) stage and append while calls fail in every way
        Run run = run("mixed, 16 instances, staged", 16, 1, 25, List.of(Kind.values()), Ledger.Policy.stagedDefaults());

        // then nothing is left staged (a lease whose release failed may remain: it expires)
        assertEquals(0, countStaged(run.table(), new ChainKey(TENANT, "faulty")), "staging is empty");
    }

    private static Run run(String name, int processes, int threads, int appends, List<Kind> kinds) throws Exception {
        return run(name, processes, threads, appends, kinds, Ledger.Policy.defaults());
    }

    /** Runs the workload through faulty clients, then checks the chain through a clean one. */
    private static Run run(String name, int processes, int threads, int appends, List<Kind> kinds, Ledger.Policy policy)
            throws Exception {
        String table = freshTable();
        String service = "faulty";
        List<FaultInjector> injectors = new ArrayList<>();
        List<DynamoDbClient> clients = new ArrayList<>();
        List<App> apps = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            FaultInjector injector = new FaultInjector(kinds, RATE, HANG_MILLIS, 1, 42 + p);
            DynamoDbClient c = client(32, o -> o.addExecutionInterceptor(injector)
                    .retryStrategy(AwsRetryStrategy.doNotRetry())
                    .apiCallAttemptTimeout(ATTEMPT_TIMEOUT));
            injectors.add(injector);
            clients.add(c);
            apps.add(TestApps.create(c, config(table), Clock.systemUTC(), policy));
        }

        Workload.Outcome out = Workload.run(apps, threads, appends, service);
        injectors.forEach(FaultInjector::disable);
        clients.forEach(DynamoDbClient::close);

        Run run;
        try {
            int landed = Workload.assertEveryAcknowledgedStoredExactlyOnce(table, new ChainKey(TENANT, service), out);
            run = new Run(out, injectors, landed, table);
        } finally {
            List<String> types = injectors.stream().map(i -> i.failureTypes.toString()).toList();
            System.out.printf("faults %s: %d appends in %.2f s: %d acknowledged, %d answered 503; %d calls,"
                            + " %d faults injected, %d failures seen by callers %s, %d transactions landed behind an error%n",
                    name, out.attempted(), out.elapsedNanos / 1e9, out.acknowledged.size(), out.unavailable.size(),
                    injectors.stream().mapToInt(i -> i.calls.get()).sum(),
                    injectors.stream().mapToInt(FaultInjector::injectedTotal).sum(),
                    injectors.stream().mapToInt(i -> i.failuresSeen.get()).sum(), types,
                    injectors.stream().mapToInt(i -> i.transactionsLandedButFailed.get()).sum());
        }
        System.out.printf("faults %s: %d entries landed although their caller got 503%n", name, run.landedUnacknowledged());
        assertEquals(processes * threads * appends, out.attempted());
        assertTrue(run.injected() > 0, "no fault was injected");
        assertTrue(run.failuresSeen() > 0, "no caller saw a failure");
        assertTrue(out.acknowledged.size() > 0);
        return run;
    }
}
