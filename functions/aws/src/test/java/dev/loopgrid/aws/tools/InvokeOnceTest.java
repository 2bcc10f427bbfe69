package dev.loopgrid.aws.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loopgrid.aws.auth.ApiKeyAuthorizerHandler;
import dev.loopgrid.aws.handlers.RecordDecisionHandler;
import dev.loopgrid.aws.worker.ReplayWorkerHandler;
import org.junit.jupiter.api.Test;

class InvokeOnceTest {
    @Test
    void readsTheEventAsTheTypeTheHandlerDeclares() {
        assertEquals(APIGatewayProxyRequestEvent.class, InvokeOnce.inputType(RecordDecisionHandler.class));
        assertEquals(APIGatewayCustomAuthorizerEvent.class, InvokeOnce.inputType(ApiKeyAuthorizerHandler.class));
        assertEquals(SQSEvent.class, InvokeOnce.inputType(ReplayWorkerHandler.class));
        assertEquals(APIGatewayProxyRequestEvent.class, InvokeOnce.inputType(Object.class));
    }
}
