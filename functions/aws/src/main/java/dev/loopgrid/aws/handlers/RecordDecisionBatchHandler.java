package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.aws.telemetry.Telemetry;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.decision.DecisionView;
import dev.loopgrid.core.ledger.LedgerException;
import java.nio.charset.StandardCharsets;

/**
 * {@code POST /v1/decisions/batch}: up to 100 decisions (5 MiB) in one request, committed in as few transactions per
 * chain as the ledger's batch limits allow. Answers 200 with {@code results}, one per item in request order:
 * {@code {"status": 201, …the decision}} (200 for an Idempotency-Key retry; the decision's own {@code status} is then
 * {@code decision_status}, since {@code status} is the item's HTTP status) or {@code {"status": 4xx/5xx, "code",
 * "detail"}}.
 */
public final class RecordDecisionBatchHandler extends ApiHandler {
    /** Largest batch body. */
    public static final int MAX_BODY_BYTES = 5 * 1024 * 1024;
    private final DecisionService decisions;

    public RecordDecisionBatchHandler() {
        this(App.get());
    }

    public RecordDecisionBatchHandler(App app) {
        super(app.config);
        this.decisions = app.decisions;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        String text = bodyText(event);
        if (text != null && text.length() > MAX_BODY_BYTES / 4 && text.getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
            throw new LedgerException.TooLarge("A batch is at most " + MAX_BODY_BYTES + " bytes (5 MiB); send fewer"
                    + " decisions per request");
        }
        ArrayNode results = Json.MAPPER.createArrayNode();
        int created = 0;
        for (DecisionService.BatchItem item : decisions.recordBatch(tenant(event), requiredJson(event))) {
            if (item.error() != null) {
                ObjectNode o = results.addObject();
                o.put("status", ApiResponses.status(item.error()));
                o.setAll(ApiResponses.errorJson(item.error()));
            } else {
                ObjectNode o = results.addObject();
                ObjectNode decision = DecisionView.toJson(item.recorded().decision());
                // the item's "status" is its HTTP status (API.md); the decision's own status moves to decision_status
                o.put("status", item.recorded().created() ? 201 : 200);
                o.put("decision_status", decision.remove("status").asText());
                o.setAll(decision);
                if (item.recorded().created()) created++;
            }
        }
        if (created > 0) Telemetry.count(Telemetry.DECISIONS_RECORDED, created);
        ObjectNode body = Json.object();
        body.set("results", results);
        return ApiResponses.json(200, body);
    }
}
