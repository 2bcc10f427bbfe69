package dev.loopgrid.aws.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.replay.WorkQueue;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The replay queue on SQS. A message body is {@code {"tenant": …, "replay_id": …}}. */
public final class SqsWorkQueue implements WorkQueue {
    private final SqsClient sqs;
    private final String queueUrl;

    public SqsWorkQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    /** The message body for a replay. */
    public static String body(String tenant, String replayId) {
        ObjectNode o = Json.object();
        o.put("tenant", tenant);
        o.put("replay_id", replayId);
        return Json.write(o);
    }

    /** Reads a message body; null when it is not one of ours. */
    public static String[] parse(String body) {
        try {
            JsonNode o = Json.MAPPER.readTree(body);
            if (o != null && o.path("tenant").isTextual() && o.path("replay_id").isTextual()) {
                return new String[] {o.get("tenant").textValue(), o.get("replay_id").textValue()};
            }
        } catch (Exception e) {
            // not JSON
        }
        return null;
    }

    @Override
    public void enqueue(String tenant, String replayId) {
        try {
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body(tenant, replayId)));
        } catch (SdkException e) {
            throw new StoreException.Unavailable("SQS send failed: " + e.getMessage(), e);
        }
    }

    /**
     * Backs a message off: it becomes visible again after {@code seconds}. Best effort — if this fails the
     * queue's own visibility timeout applies.
     */
    @Override
    public void retryLater(String receiptHandle, int seconds) {
        try {
            sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(receiptHandle).visibilityTimeout(seconds));
        } catch (SdkException e) {
            // the visibility timeout set on the queue still brings it back
        }
    }
}
