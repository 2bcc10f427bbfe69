package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 *
 * <p>{@code triggered_by} says who asked: the body's member when given, else the {@code X-LoopGrid-Client}
 * header our SDKs send (e.g. {@code sdk-python/0.2.0}), else {@code api}.
 */
public final class CreateReplayHandler extends ApiHandler {
    /** The header our SDKs send to name themselves, e.g. {@code sdk-java/0.2.0}. */
    public static final String CLIENT_HEADER = "X-LoopGrid-Client";
    private static final Pattern CLIENT = Pattern.compile("[\\x21-\\x7e]{1,100}");
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
        ReplayRecord r = replays.create(tenant, withCaller(requiredJson(event), header(event, CLIENT_HEADER)));
        if (wait > 0) r = replays.await(tenant, r.replayId(), wait);
        APIGatewayProxyResponseEvent resp = ApiResponses.json(r.terminal() ? 200 : 202, ReplayView.toJson(r));
        resp.getHeaders().put("Location", "/v1/replays/" + r.replayId());
        return resp;
    }

    /** The body with {@code triggered_by} from the client header when the body names no trigger itself. */
    private static JsonNode withCaller(JsonNode body, String client) {
        if (client == null) return body;
        if (!CLIENT.matcher(client).matches()) {
            throw new LedgerException.Malformed("invalid_header", CLIENT_HEADER
                    + " must be 1..100 visible ASCII characters without spaces, e.g. sdk-python/0.2.0");
        }
        if (body instanceof ObjectNode o && (o.get("triggered_by") == null || o.get("triggered_by").isNull())) {
            o.put("triggered_by", client);
        }
        return body;
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
