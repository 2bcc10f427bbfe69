package dev.loopgrid.local;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loopgrid.aws.worker.ReplayWorkerHandler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Does locally what Lambda's SQS event source mapping does in AWS: long-polls the queue, hands each batch
 * to the worker handler as an {@link SQSEvent}, and deletes the messages the handler did not report as
 * failed ({@code ReportBatchItemFailures}). Failed messages come back after their visibility timeout and
 * reach the dead-letter queue after the redrive limit.
 */
public final class QueuePoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueuePoller.class);

    private final SqsClient sqs;
    private final String queueUrl;
    private final ReplayWorkerHandler worker;
    private final ExecutorService threads;
    private volatile boolean running = true;

    public QueuePoller(SqsClient sqs, String queueUrl, ReplayWorkerHandler worker, int concurrency) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.worker = worker;
        this.threads = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "replay-poller");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < concurrency; i++) threads.submit(this::loop);
    }

    private void loop() {
        while (running) {
            try {
                List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                        .waitTimeSeconds(1)
                        .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
                if (!messages.isEmpty()) handle(messages);
            } catch (RuntimeException e) {
                if (!running) return;
                LOG.warn("replay queue poll failed: {}", e.toString());
                sleep(500);
            }
        }
    }

    /** The SQS event Lambda's event source mapping would deliver for these messages. */
    public static SQSEvent toEvent(List<Message> messages) {
        SQSEvent event = new SQSEvent();
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message m : messages) {
            SQSEvent.SQSMessage r = new SQSEvent.SQSMessage();
            r.setMessageId(m.messageId());
            r.setReceiptHandle(m.receiptHandle());
            r.setBody(m.body());
            Map<String, String> attrs = new HashMap<>();
            m.attributes().forEach((k, v) -> attrs.put(k.toString(), v));
            r.setAttributes(attrs);
            r.setEventSource("aws:sqs");
            records.add(r);
        }
        event.setRecords(records);
        return event;
    }

    /** One batch, as Lambda would deliver it. */
    public void handle(List<Message> messages) {
        SQSEvent event = toEvent(messages);
        SQSBatchResponse response = worker.handleRequest(event, null);
        Set<String> failed = new HashSet<>();
        if (response != null && response.getBatchItemFailures() != null) {
            response.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
        }
        List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
        for (Message m : messages) {
            if (!failed.contains(m.messageId())) {
                done.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(done.size()))
                        .receiptHandle(m.receiptHandle()).build());
            }
        }
        if (!done.isEmpty()) sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(done));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        threads.shutdown();
        try {
            threads.awaitTermination(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
