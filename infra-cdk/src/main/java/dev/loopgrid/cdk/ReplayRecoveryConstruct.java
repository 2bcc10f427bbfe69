package dev.loopgrid.cdk;

import dev.loopgrid.aws.worker.ReplayRecoveryHandler;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.sqs.IQueue;
import software.constructs.Construct;

/**
 * Replay recovery: {@link ReplayRecoveryHandler} on an EventBridge schedule every {@value #RATE_MINUTES} minutes,
 * queueing again the replays left pending without a message or running with an expired lease, and dropping finished
 * ones from the index of open replays (a grace of {@link ReplayRecoveryHandler#GRACE_SECONDS} s, above the queue's
 * visibility timeout). Its grant ({@link LedgerAccess#replayRecovery}): Query and DeleteItem on the open-replay index
 * ({@code REP#open#00} … {@code #15}), GetItem on replay items, and {@code sqs:SendMessage} on the replay queue; no bucket, no key
 * ({@link SubjectKeyAccess#NONE}). Its errors and throttles have alarms like every function's ({@link AlarmsConstruct}).
 */
public final class ReplayRecoveryConstruct extends Construct {
    public static final int RATE_MINUTES = 5;
    /** A sweep: a Query per 100 open replays, a GetItem and at most one SendMessage or DeleteItem each. */
    public static final FunctionSizing SIZING = new FunctionSizing(512, 120);

    /**
     * @param lambdaJar   the jar
     * @param table       the ledger table
     * @param tenant      {@code LOOPGRID_TENANT}
     * @param queue       the replay queue
     * @param maxReceives the queue's receive limit ({@code LOOPGRID_MAX_RECEIVES}, as the functions creating replays have)
     */
    public record Props(Path lambdaJar, ITable table, String tenant, IQueue queue, int maxReceives) {}

    private final LoopGridFunction function;
    private final Rule schedule;

    public ReplayRecoveryConstruct(Construct scope, String id, Props props) {
        super(scope, id);
        function = new LoopGridFunction(this, "Recovery", new LoopGridFunction.Spec(
                "ReplayRecovery", "replay recovery (EventBridge, every " + RATE_MINUTES + " minutes)",
                ReplayRecoveryHandler.class.getName() + "::handleRequest", SIZING,
                LedgerAccess.replayRecovery(props.table()), props.lambdaJar(), props.table(), props.tenant(),
                Map.of("LOOPGRID_QUEUE_URL", props.queue().getQueueUrl(),
                        "LOOPGRID_MAX_RECEIVES", Integer.toString(props.maxReceives())),
                // runs every five minutes, asynchronously: a faster cold start buys nothing
                false));
        // only SendMessage: the handler sends to a known URL
        function.role().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ReplayRequeue")
                .effect(Effect.ALLOW)
                .actions(List.of("sqs:SendMessage"))
                .resources(List.of(props.queue().getQueueArn()))
                .build());
        schedule = Rule.Builder.create(this, "Schedule")
                .description("LoopGrid: queue again replays left pending or running with an expired lease")
                .schedule(Schedule.rate(Duration.minutes(RATE_MINUTES)))
                // no retries: the next run is five minutes away
                .targets(List.of(LambdaFunction.Builder.create(function.alias()).retryAttempts(0).build()))
                .build();
    }

    public LoopGridFunction function() { return function; }
    public Rule schedule() { return schedule; }
}
