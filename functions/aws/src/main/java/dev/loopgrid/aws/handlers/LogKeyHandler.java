package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;

/** {@code GET /v1/log/key}: the verifier key of the logs, as a C2SP signed-note verifier key (public). */
public final class LogKeyHandler extends ApiHandler {
    private final App app;

    public LogKeyHandler() {
        this(App.get());
    }

    public LogKeyHandler(App app) {
        super(app.config);
        this.app = app;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return LogResponses.text(LogResponses.log(app).verifierKey() + "\n", "public, max-age=300");
    }
}
