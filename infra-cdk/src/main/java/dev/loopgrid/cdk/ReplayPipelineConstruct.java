package dev.loopgrid.cdk;

import dev.loopgrid.aws.Routes;
import dev.loopgrid.aws.worker.ReplayWorkerHandler;
import java.nio.file.Path;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.SecretValue;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * The replay pipeline: the replay queue and its dead-letter queue, the secret holding the LLM provider keys,
 * and the replay worker.
 *
 * <ul>
 *   <li>The worker reads the decisions it replays, large ones' content from the bucket ({@link ContentAccess#READ}),
 *       sealed ones' through the data-subject key ({@link SubjectKeyAccess#OPEN}).</li>
 *   <li>The worker ({@link ReplayWorkerHandler}) consumes the queue through an SQS event source on its
 *       {@value LoopGridFunction#ALIAS} alias with {@code ReportBatchItemFailures}, one message per invocation
 *       (one replay may spend the providers' whole 60 s call budget) and at most {@value #WORKER_MAX_CONCURRENCY}
 *       invocations at once (a bound on concurrent LLM calls).</li>
 *   <li>The queue's visibility timeout is {@value #VISIBILITY_FACTOR} × the worker timeout, as AWS recommends
 *       for SQS event sources (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html);
 *       a message goes to the DLQ after {@value #MAX_RECEIVE_COUNT} receives.</li>
 *   <li>The worker runs without SnapStart (it reads the provider keys at initialization; see the constructor).</li>
 *   <li>The worker appends the finished replay to the decision's chain, so it has APPEND access to the ledger
 *       table, and it is the only principal that may read the provider keys.</li>
 * </ul>
 * Bedrock is not enabled (it would need {@code LOOPGRID_BEDROCK_ENABLED=true} and {@code bedrock:InvokeModel}).
 */
public final class ReplayPipelineConstruct extends Construct {
    public static final int WORKER_TIMEOUT_SECONDS = 120;
    public static final int WORKER_MEMORY_MB = 512;
    public static final int WORKER_MAX_CONCURRENCY = 5;
    public static final int VISIBILITY_FACTOR = 6;
    public static final int MAX_RECEIVE_COUNT = 5;

    /**
     * @param lambdaJar the jar the worker runs
     * @param table     the ledger table
     * @param tenant    value of {@code LOOPGRID_TENANT}
     * @param content   the bucket holding large decisions' content
     * @param subjectKeys the data-subject key (the worker opens sealed decisions: {@link SubjectKeyAccess#OPEN})
     */
    public record Props(Path lambdaJar, ITable table, String tenant, ReportsBucketConstruct content,
                        SubjectKeysConstruct subjectKeys) {}

    private final Queue queue;
    private final Queue deadLetterQueue;
    private final Secret providerKeys;
    private final LoopGridFunction worker;

    public ReplayPipelineConstruct(Construct scope, String id, Props props) {
        super(scope, id);
        deadLetterQueue = Queue.Builder.create(this, "DeadLetterQueue")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();
        queue = Queue.Builder.create(this, "Queue")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .visibilityTimeout(Duration.seconds(WORKER_TIMEOUT_SECONDS * VISIBILITY_FACTOR))
                .retentionPeriod(Duration.days(4))
                .deadLetterQueue(DeadLetterQueue.builder().queue(deadLetterQueue).maxReceiveCount(MAX_RECEIVE_COUNT).build())
                .build();
        // Created with empty values; operators put the real keys with `aws secretsmanager put-secret-value`.
        // Without keys the worker runs replays in simulation mode.
        providerKeys = Secret.Builder.create(this, "ProviderKeys")
                .description("LoopGrid replay worker: LLM provider API keys (JSON: openai_api_key, anthropic_api_key)")
                .secretObjectValue(Map.of(
                        "openai_api_key", SecretValue.unsafePlainText(""),
                        "anthropic_api_key", SecretValue.unsafePlainText("")))
                .build();

        worker = new LoopGridFunction(this, "Worker", new LoopGridFunction.Spec(
                "ReplayWorker", "replay worker (SQS)", ReplayWorkerHandler.class.getName() + "::handleRequest",
                new FunctionSizing(WORKER_MEMORY_MB, WORKER_TIMEOUT_SECONDS),
                LedgerAccess.of(Routes.Access.APPEND, props.table()),
                props.lambdaJar(), props.table(), props.tenant(), Map.of(
                        "LOOPGRID_QUEUE_URL", queue.getQueueUrl(),
                        "LOOPGRID_MAX_RECEIVES", Integer.toString(MAX_RECEIVE_COUNT),
                        "LOOPGRID_PROVIDER_SECRET_ARN", providerKeys.getSecretArn(),
                        "LOOPGRID_CONTENT_BUCKET", props.content().bucket().getBucketName(),
                        SubjectKeysConstruct.ENV, props.subjectKeys().key().getKeyArn()),
                // No SnapStart: the worker reads the provider keys while it initializes, which under SnapStart
                // happens when a version is published, so keys put later would never reach it and the keys would
                // live in the snapshot. An asynchronous worker gains nothing from faster cold starts.
                false));
        // grants ReceiveMessage, DeleteMessage, ChangeMessageVisibility (the worker's back-off), GetQueueAttributes, GetQueueUrl
        worker.alias().addEventSource(SqsEventSource.Builder.create(queue)
                .batchSize(1)
                .reportBatchItemFailures(true)
                .maxConcurrency(WORKER_MAX_CONCURRENCY)
                .build());
        providerKeys.grantRead(worker.role());
        props.content().grantContent(worker.role(), ContentAccess.READ);
        props.subjectKeys().grant(worker.role(), SubjectKeyAccess.OPEN);
    }

    public Queue queue() { return queue; }
    public Queue deadLetterQueue() { return deadLetterQueue; }
    public Secret providerKeys() { return providerKeys; }
    public LoopGridFunction worker() { return worker; }
}
