package dev.loopgrid.core.replay;

/** Where replays wait for a worker (SQS). */
public interface WorkQueue {

    /**
     * Queues a replay for execution.
     *
     * @throws dev.loopgrid.core.ledger.StoreException.Unavailable when the queue cannot be reached
     */
    void enqueue(String tenant, String replayId);

    /**
     * Backs a delivered message off: it is delivered again after {@code delaySeconds} (0: at once). Best effort —
     * when this fails the queue's own redelivery timeout applies, so it never throws.
     *
     * @param deliveryHandle what the queue gave with the delivery (SQS: the receipt handle)
     */
    void retryLater(String deliveryHandle, int delaySeconds);
}
