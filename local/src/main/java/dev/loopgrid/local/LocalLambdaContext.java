package dev.loopgrid.local;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lambda {@link Context} the local front hands to a handler: the request id, the route's name as
 * function name, and a deadline like API Gateway's 29-second integration timeout.
 */
public final class LocalLambdaContext implements Context {
    /** API Gateway REST's integration timeout, the effective limit of a proxied function. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 29_000;

    private final String requestId;
    private final String functionName;
    private final long deadlineMillis;
    private final LambdaLogger logger;

    public LocalLambdaContext(String requestId, String functionName, long timeoutMillis) {
        this.requestId = requestId;
        this.functionName = functionName;
        this.deadlineMillis = System.currentTimeMillis() + timeoutMillis;
        Logger log = LoggerFactory.getLogger("dev.loopgrid.local.function." + functionName);
        this.logger = new LambdaLogger() {
            @Override
            public void log(String message) {
                log.info(message);
            }

            @Override
            public void log(byte[] message) {
                log.info(new String(message, StandardCharsets.UTF_8));
            }
        };
    }

    public LocalLambdaContext(String requestId, String functionName) {
        this(requestId, functionName, DEFAULT_TIMEOUT_MILLIS);
    }

    @Override
    public String getAwsRequestId() {
        return requestId;
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/" + functionName;
    }

    @Override
    public String getLogStreamName() {
        return "local";
    }

    @Override
    public String getFunctionName() {
        return functionName;
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return "arn:aws:lambda:local:000000000000:function:" + functionName;
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        return (int) Math.max(0, deadlineMillis - System.currentTimeMillis());
    }

    @Override
    public int getMemoryLimitInMB() {
        return (int) Math.min(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / (1024 * 1024));
    }

    @Override
    public LambdaLogger getLogger() {
        return logger;
    }
}
