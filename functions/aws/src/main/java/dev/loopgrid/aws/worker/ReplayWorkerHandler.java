package dev.loopgrid.aws.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.queue.SqsWorkQueue;
import dev.loopgrid.core.replay.WorkQueue;
import dev.loopgrid.aws.telemetry.Telemetry;
import dev.loopgrid.core.replay.ReplayExecutor;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replay worker: an SQS-triggered function that reports partial batch failures, so only the messages
 * that failed come back (the event source mapping must enable {@code ReportBatchItemFailures}).
 * A message that should be retried is backed off exponentially by its receive count; after the queue's
 * receive limit it lands in the dead-letter queue.
 */
public final class ReplayWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(ReplayWorkerHandler.class);

    private final ReplayExecutor executor;
    private final WorkQueue queue;
    private final int maxReceives;
    private final int baseBackoffSeconds;

    public ReplayWorkerHandler() {
        this(App.get());
    }

    public ReplayWorkerHandler(App app) {
        this.executor = app.replayExecutor();
        this.queue = app.workQueue();
        this.maxReceives = app.replayConfig.maxReceives();
        this.baseBackoffSeconds = app.replayConfig.baseBackoffSeconds();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return Telemetry.invocation(context, "Records[0].messageId", event, () -> process(event));
    }

    private SQSBatchResponse process(SQSEvent event) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        if (event == null || event.getRecords() == null) return new SQSBatchResponse(failures);
        for (SQSEvent.SQSMessage m : event.getRecords()) {
            if (!handle(m)) failures.add(new SQSBatchResponse.BatchItemFailure(m.getMessageId()));
        }
        return new SQSBatchResponse(failures);
    }

    /** @return true when the message is done with */
    private boolean handle(SQSEvent.SQSMessage m) {
        String[] parsed = SqsWorkQueue.parse(m.getBody());
        int receives = receiveCount(m);
        if (parsed == null) {
            LOG.warn("message {} is not a replay message; it will go to the dead-letter queue", m.getMessageId());
            return retry(m, receives);
        }
        try {
            ReplayExecutor.Outcome o = executor.process(parsed[0], parsed[1], receives, maxReceives);
            return o == ReplayExecutor.Outcome.DONE || retry(m, receives);
        } catch (RuntimeException e) {
            LOG.error("replay {} failed unexpectedly (receive {})", parsed[1], receives, e);
            return retry(m, receives);
        }
    }

    /**
     * Leaves the message on the queue, visible again after an exponential backoff — or at once when this was
     * its last allowed receive, so the queue's redrive moves it to the dead-letter queue without waiting.
     *
     * @return false (the message is not done with)
     */
    private boolean retry(SQSEvent.SQSMessage m, int receives) {
        if (queue != null && m.getReceiptHandle() != null) {
            queue.retryLater(m.getReceiptHandle(), receives >= maxReceives ? 0 : backoffSeconds(receives));
        }
        return false;
    }

    int backoffSeconds(int receives) {
        long s = (long) baseBackoffSeconds << Math.min(receives - 1, 10);
        return (int) Math.min(s, 900);
    }

    private static int receiveCount(SQSEvent.SQSMessage m) {
        try {
            String v = m.getAttributes() == null ? null : m.getAttributes().get("ApproximateReceiveCount");
            return v == null ? 1 : Math.max(1, Integer.parseInt(v));
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
