package dev.loopgrid.cdk;

import dev.loopgrid.aws.Routes;
import dev.loopgrid.aws.worker.LifecycleSweepHandler;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.constructs.Construct;

/**
 * The lifecycle sweep: {@link LifecycleSweepHandler} on an EventBridge schedule every
 * {@value #RATE_MINUTES} minutes, running the scheduled erasures whose retention floor has passed (up to a batch per
 * run; a held subject stays due). LIFECYCLE access to the ledger table, like the erasure route; no access to the
 * data-subject key ({@link SubjectKeyAccess#NONE}: an erasure removes the wrapped key without unwrapping it); the
 * purge of the tenant's stored exports in the reports bucket ({@link ReportsBucketConstruct#grantExportPurge}). Its
 * errors and throttles have alarms like every function's ({@link AlarmsConstruct}).
 */
public final class LifecycleSweepConstruct extends Construct {
    public static final int RATE_MINUTES = 15;
    /** A batch of erasures, each a lifecycle-chain append with a few reads. */
    public static final FunctionSizing SIZING = new FunctionSizing(512, 120);

    /**
     * @param lambdaJar the jar
     * @param table     the ledger table
     * @param tenant    {@code LOOPGRID_TENANT}
     * @param reports   the reports bucket, whose stored exports an erasure purges
     *                  ({@link ReportsBucketConstruct#grantExportPurge})
     */
    public record Props(Path lambdaJar, ITable table, String tenant, ReportsBucketConstruct reports) {}

    private final LoopGridFunction function;
    private final Rule schedule;

    public LifecycleSweepConstruct(Construct scope, String id, Props props) {
        super(scope, id);
        function = new LoopGridFunction(this, "Sweep", new LoopGridFunction.Spec(
                "LifecycleSweep", "scheduled erasures (EventBridge, every " + RATE_MINUTES + " minutes)",
                LifecycleSweepHandler.class.getName() + "::handleRequest", SIZING,
                LedgerAccess.of(Routes.Access.LIFECYCLE, props.table()), props.lambdaJar(), props.table(),
                props.tenant(), Map.of("LOOPGRID_REPORTS_BUCKET", props.reports().bucket().getBucketName()),
                // runs every quarter hour, asynchronously: a faster cold start buys nothing
                false));
        schedule = Rule.Builder.create(this, "Schedule")
                .description("LoopGrid: run due scheduled erasures")
                .schedule(Schedule.rate(Duration.minutes(RATE_MINUTES)))
                .targets(List.of(LambdaFunction.Builder.create(function.alias()).retryAttempts(2).build()))
                .build();
        props.reports().grantExportPurge(function.role());
    }

    public LoopGridFunction function() { return function; }
    public Rule schedule() { return schedule; }
}
