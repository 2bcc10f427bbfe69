package dev.loopgrid.aws.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.loopgrid.aws.App;
import dev.loopgrid.core.replay.ReplayRecovery;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduled function (an EventBridge schedule) that queues again the replays nothing will run otherwise: one
 * {@link ReplayRecovery#sweep} per invocation over the open replays created more than {@value #GRACE_SECONDS} s ago.
 * The grace is above the replay queue's visibility timeout (720 s), so a replay whose message is still in flight is
 * not queued twice (a duplicate would be harmless anyway: a run must claim the replay first). Live leases are left
 * alone: other workers may hold them ({@link ReplayRecovery#afterRestart}, which releases them, is the local stack's).
 */
public final class ReplayRecoveryHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    /** How old an open replay must be before a sweep looks at it: the queue's 720 s visibility timeout and more. */
    public static final long GRACE_SECONDS = 900;
    private static final Logger LOG = LoggerFactory.getLogger(ReplayRecoveryHandler.class);
    private final ReplayRecovery recovery;

    public ReplayRecoveryHandler() {
        this(App.get());
    }

    public ReplayRecoveryHandler(App app) {
        this.recovery = app.replayRecovery(GRACE_SECONDS * 1000);
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        ReplayRecovery.Sweep s = recovery.sweep();
        if (!s.complete()) LOG.warn("replay recovery: {}", s);
        else if (s.requeued() > 0 || s.closed() > 0) LOG.info("replay recovery: {}", s);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("examined", s.examined());
        out.put("requeued", s.requeued());
        out.put("closed", s.closed());
        out.put("leased", s.leased());
        out.put("complete", s.complete());
        return out;
    }
}
