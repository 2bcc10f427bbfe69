package dev.loopgrid.core.replay;

/** Where replays wait for a worker (SQS). */
public interface WorkQueue {

    /**
     * Queues a replay for execution.
     *
     * @throws dev.loopgrid.core.StoreException.Unavailable when the queue cannot be reached
     */
    void enqueue(String tenant, String replayId);
}
