package dev.loopgrid.aws.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.loopgrid.aws.App;
import dev.loopgrid.core.lifecycle.LifecycleService;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduled function (an EventBridge schedule) that runs the erasures whose retention floor has passed: up to
 * {@value #BATCH} per invocation, each the same erasure an admin would request (a hold still blocks it; it stays due).
 */
public final class LifecycleSweepHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    static final int BATCH = 100;
    private static final Logger LOG = LoggerFactory.getLogger(LifecycleSweepHandler.class);
    private final LifecycleService lifecycle;

    public LifecycleSweepHandler() {
        this(App.get());
    }

    public LifecycleSweepHandler(App app) {
        this.lifecycle = app.lifecycle();
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        int erased = lifecycle.runDue(BATCH);
        if (erased > 0) LOG.info("ran {} scheduled erasure(s)", erased);
        return Map.of("erased", erased);
    }
}
