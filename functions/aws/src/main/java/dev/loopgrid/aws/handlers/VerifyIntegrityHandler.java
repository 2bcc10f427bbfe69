package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.IntegrityService;
import dev.loopgrid.core.Json;

/** {@code GET /v1/integrity/verify}: recomputes every hash and link of one chain or all; names the first bad entry. */
public final class VerifyIntegrityHandler extends ApiHandler {
    private final IntegrityService integrity;
    private final App app;

    public VerifyIntegrityHandler() {
        this(App.get());
    }

    public VerifyIntegrityHandler(App app) {
        super(app.config);
        this.integrity = app.integrity;
        this.app = app;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        String service = nameQuery(event, "service_name");
        IntegrityService.Report r = integrity.verify(tenant(event), service);
        ObjectNode body = Json.object();
        ObjectNode i = body.putObject("integrity");
        i.put("valid", r.valid());
        i.put("total", r.entries());
        i.put("broken_at", r.failure() == null ? null : r.failure().brokenAt());
        i.put("message", r.message());
        i.put("chains", r.chains());
        i.put("decisions", r.decisions());
        i.put("head_hash", r.headHash());
        if (r.failure() != null) {
            ObjectNode f = i.putObject("failure");
            f.put("kind", r.failure().kind().name().toLowerCase(java.util.Locale.ROOT));
            f.put("chain_id", r.failure().chainId());
            f.put("sequence", r.failure().sequence());
            f.put("entry_id", r.failure().entryId());
            f.put("decision_id", r.failure().decisionId());
        }
        if (r.log() != null) {
            // what the table was checked against: the log's signed checkpoints (whatever service was asked for)
            ObjectNode l = i.putObject("log");
            l.put("checkpoints_checked", r.log().checkpoints());
            l.put("verified_size", r.log().verifiedSize());
            l.put("latest_checkpoint", r.log().latest());
            l.put("verifier_key", app.log().verifierKey());
        }
        body.put("service_filter", service);
        return ApiResponses.json(200, body);
    }
}
