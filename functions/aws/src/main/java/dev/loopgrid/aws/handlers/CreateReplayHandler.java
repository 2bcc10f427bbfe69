package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.replay.ReplayRecord;
import dev.loopgrid.core.replay.ReplayService;
import dev.loopgrid.core.replay.ReplayView;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST /v1/replays}: stores a pending replay, queues it and answers 202 with {@code Location}. With
 * {@code ?wait=N} or {@code Prefer: wait=N} (N ≤ 20) it holds the answer until the replay finishes (200)
 * or N seconds pass (202).
 */
public final class CreateReplayHandler extends ApiHandler {
    private static final Pattern PREFER_WAIT = Pattern.compile("(?:^|[,;\\s])wait\\s*=\\s*(\\d+)", Pattern.CASE_INSENSITIVE);

    private final ReplayService replays;

    public CreateReplayHandler() {
        this(App.get());
    }

    public CreateReplayHandler(App app) {
        super(app.config);
        this.replays = app.replays;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        int wait = waitSeconds(event);
        String tenant = tenant(event);
        ReplayRecord r = replays.create(tenant, requiredJson(event));
        if (wait > 0) r = replays.await(tenant, r.replayId(), wait);
        APIGatewayProxyResponseEvent resp = ApiResponses.json(r.terminal() ? 200 : 202, ReplayView.toJson(r));
        resp.getHeaders().put("Location", "/v1/replays/" + r.replayId());
        return resp;
    }

    private static int waitSeconds(APIGatewayProxyRequestEvent event) {
        if (query(event, "wait") != null) return intQuery(event, "wait", 0, 0, ReplayService.MAX_WAIT_SECONDS);
        String prefer = header(event, "Prefer");
        if (prefer == null) return 0;
        Matcher m = PREFER_WAIT.matcher(prefer);
        if (!m.find()) return 0;
        try {
            return Math.min(Integer.parseInt(m.group(1)), ReplayService.MAX_WAIT_SECONDS); // RFC 7240: a preference may be capped
        } catch (NumberFormatException e) {
            throw new LedgerException.Malformed("invalid_header", "Prefer: wait=N needs a small whole number of seconds");
        }
    }
}
