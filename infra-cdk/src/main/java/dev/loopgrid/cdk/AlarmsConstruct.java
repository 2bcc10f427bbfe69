package dev.loopgrid.cdk;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.sqs.IQueue;
import software.constructs.Construct;

/**
 * The alarms, all notifying one SNS topic (optionally with an e-mail subscription):
 * <ul>
 *   <li>replay dead-letter queue not empty ({@code ApproximateNumberOfMessagesVisible > 0});</li>
 *   <li>API 5xx rate: the average of {@code 5XXError} (the fraction of requests answered 5xx) above
 *       {@value #API_5XX_RATE} in 2 of 3 five-minute periods;</li>
 *   <li>per function (routes, worker, the log's integrator and the lifecycle sweep): any {@code Errors}, any {@code Throttles} in five minutes;</li>
 *   <li>the key authorizer: any {@code Throttles} in five minutes. No {@code Errors} alarm: a REST API Lambda
 *       authorizer answers 401 by failing with {@code Unauthorized}, so every request with a wrong or revoked key
 *       is a function error. A failing authorizer (key store down, timeout) makes API Gateway answer 503
 *       {@code AUTHORIZER_FAILURE}, which the API 5xx rate alarm sees, and the authorizer counts it in its EMF
 *       metric {@code LoopGrid/AuthStoreUnavailable}, which has an alarm of its own (any in five minutes);</li>
 *   <li>the verifiable log's integrator (besides its errors and throttles as a function): its stream lag
 *       ({@code IteratorAge}, maximum) at {@value #INTEGRATOR_ITERATOR_AGE_MS} ms or more in 2 of 3 five-minute
 *       periods, and any message in its on-failure queue (stream records it gave up on);</li>
 *   <li>append conflicts: the functions' EMF metric {@code LoopGrid/AppendConflicts} (Powertools adds the
 *       dimension {@code Service} = {@value #POWERTOOLS_SERVICE}) reaching {@value #APPEND_CONFLICTS_PER_5_MIN}
 *       in five minutes, the sign of a hot chain.</li>
 * </ul>
 */
public final class AlarmsConstruct extends Construct {
    public static final String METRICS_NAMESPACE = "LoopGrid";
    public static final String POWERTOOLS_SERVICE = "loopgrid";
    public static final String APPEND_CONFLICTS_METRIC = "AppendConflicts";
    /** The authorizer's EMF metric when the key store fails ({@code Telemetry.AUTH_STORE_UNAVAILABLE}). */
    public static final String AUTH_STORE_UNAVAILABLE_METRIC = dev.loopgrid.aws.telemetry.Telemetry.AUTH_STORE_UNAVAILABLE;
    public static final double API_5XX_RATE = 0.05;
    public static final int APPEND_CONFLICTS_PER_5_MIN = 50;
    /** The integrator's stream lag (Lambda {@code IteratorAge}, maximum) that alarms, in 2 of 3 five-minute periods. */
    public static final int INTEGRATOR_ITERATOR_AGE_MS = 60_000;
    private static final Duration PERIOD = Duration.minutes(5);

    /**
     * @param api        the REST API
     * @param functions  every LoopGrid function (routes and worker) but the authorizer
     * @param authorizer the key authorizer's function, or null (open API)
     * @param dlq        the replay dead-letter queue
     * @param integrator the verifiable log's integrator (also in {@code functions})
     * @param integratorFailures the integrator's on-failure queue (stream records it gave up on)
     * @param email      an address to subscribe to the alarm topic, or null
     */
    public record Props(RestApi api, List<LoopGridFunction> functions, LoopGridFunction authorizer, IQueue dlq,
                        LoopGridFunction integrator, IQueue integratorFailures, String email) {}

    private final Topic topic;
    private final List<Alarm> alarms = new ArrayList<>();

    public AlarmsConstruct(Construct scope, String id, Props props) {
        super(scope, id);
        topic = Topic.Builder.create(this, "Topic").displayName("LoopGrid alarms").enforceSsl(true).build();
        if (props.email() != null) {
            topic.addSubscription(new EmailSubscription(props.email()));
        }

        add("DeadLetterQueueNotEmpty", props.dlq().metricApproximateNumberOfMessagesVisible(
                        MetricOptions.builder().period(PERIOD).statistic("Maximum").build()),
                0, ComparisonOperator.GREATER_THAN_THRESHOLD, 1, 1,
                "Replay messages landed in the dead-letter queue (poison or repeatedly failing replays)");

        add("Api5xxRate", props.api().metricServerError(
                        MetricOptions.builder().period(PERIOD).statistic("Average").build()),
                API_5XX_RATE, ComparisonOperator.GREATER_THAN_THRESHOLD, 3, 2,
                "More than 5% of API requests answered 5xx");

        for (LoopGridFunction fn : props.functions()) {
            String name = fn.name();
            add(name + "Errors", fn.function().metricErrors(
                            MetricOptions.builder().period(PERIOD).statistic("Sum").build()),
                    1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1,
                    name + " function errors (uncaught failures or timeouts)");
            addThrottles(fn);
        }
        if (props.authorizer() != null) {
            addThrottles(props.authorizer());
            add("AuthorizerKeyStoreUnavailable", emfSum(AUTH_STORE_UNAVAILABLE_METRIC),
                    1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1,
                    "The key authorizer could not read API keys (requests answered 503 auth_unavailable)");
        }

        add("LogIntegratorIteratorAge", props.integrator().function().metric("IteratorAge",
                        MetricOptions.builder().period(PERIOD).statistic("Maximum").build()),
                INTEGRATOR_ITERATOR_AGE_MS, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 3, 2,
                "The log's integrator lags the ledger table's stream by a minute or more: receipts and checkpoints "
                        + "are late (stream records are kept 24 hours)");
        add("LogIntegratorFailures", props.integratorFailures().metricApproximateNumberOfMessagesVisible(
                        MetricOptions.builder().period(PERIOD).statistic("Maximum").build()),
                0, ComparisonOperator.GREATER_THAN_THRESHOLD, 1, 1,
                "The log's integrator gave up on stream records after its retries (their entries join the log with the "
                        + "next entry of their chain; see docs/deploy.md)");

        add("AppendConflicts", emfSum(APPEND_CONFLICTS_METRIC),
                APPEND_CONFLICTS_PER_5_MIN, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1,
                "Many lost head races on appends: a chain is hot (see DESIGN.md, throughput beyond one head item)");
    }

    /** The five-minute sum of one of the functions' EMF metrics (Powertools adds the {@code Service} dimension). */
    private static Metric emfSum(String name) {
        return Metric.Builder.create()
                .namespace(METRICS_NAMESPACE)
                .metricName(name)
                .dimensionsMap(Map.of("Service", POWERTOOLS_SERVICE))
                .statistic("Sum")
                .period(PERIOD)
                .build();
    }

    private void addThrottles(LoopGridFunction fn) {
        add(fn.name() + "Throttles", fn.function().metricThrottles(
                        MetricOptions.builder().period(PERIOD).statistic("Sum").build()),
                1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1,
                fn.name() + " function throttled (account or reserved concurrency exhausted)");
    }

    private void add(String id, software.amazon.awscdk.services.cloudwatch.IMetric metric, double threshold,
                     ComparisonOperator op, int evaluationPeriods, int datapointsToAlarm, String description) {
        Alarm alarm = Alarm.Builder.create(this, id)
                .metric(metric)
                .threshold(threshold)
                .comparisonOperator(op)
                .evaluationPeriods(evaluationPeriods)
                .datapointsToAlarm(datapointsToAlarm)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .alarmDescription(description)
                .build();
        alarm.addAlarmAction(new SnsAction(topic));
        alarms.add(alarm);
    }

    public Topic topic() { return topic; }
    public List<Alarm> alarms() { return Collections.unmodifiableList(alarms); }
}
