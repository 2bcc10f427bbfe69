package dev.loopgrid.aws.handlers;

import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.lifecycle.Hold;
import dev.loopgrid.core.lifecycle.LifecycleService;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code POST /v1/subjects/{subject_id}/erasure} (admin): destroys the subject's data key and appends an erasure entry (200), or schedules it when the retention floor does not allow it yet (202 with {@code run_at}); 409 {@code legal_hold} while a hold covers the subject. */
public final class EraseSubjectHandler extends ApiHandler {
    private final LifecycleService lifecycle;

    public EraseSubjectHandler() {
        this(App.get());
    }

    public EraseSubjectHandler(App app) {
        super(app.config);
        this.lifecycle = app.lifecycle();
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        LifecycleService.ErasureAnswer a = lifecycle.erase(tenant(event), pathParameter(event, "subject_id"),
                requiredJson(event), actor(event));
        return ApiResponses.json(a.scheduled() ? 202 : 200, a.body());
    }
}
