package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.log.LogService;

/** {@code GET /v1/entries/{chain_id}/{sequence}/receipt[?wait=N]}: the receipt of any entry — decisions, flags, corrections, replays. */
public final class GetEntryReceiptHandler extends ApiHandler {
    private final App app;

    public GetEntryReceiptHandler() {
        this(App.get());
    }

    public GetEntryReceiptHandler(App app) {
        super(app.config);
        this.app = app;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        String tenant = tenant(event);
        int wait = intQuery(event, "wait", 0, 0, LogService.MAX_WAIT_SECONDS);
        String raw = pathParameter(event, "sequence");
        long sequence;
        try {
            sequence = Long.parseLong(raw);
            if (sequence < 1) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw new LedgerException.Malformed("invalid_parameter", "sequence must be a whole number from 1, got \""
                    + (raw.length() > 40 ? raw.substring(0, 40) + "…" : raw) + "\"");
        }
        return LogResponses.receipt(LogResponses.log(app).receipt(tenant, pathParameter(event, "chain_id"), sequence, wait));
    }
}
