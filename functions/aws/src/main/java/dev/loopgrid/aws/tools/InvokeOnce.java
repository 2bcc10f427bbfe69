package dev.loopgrid.aws.tools;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Invokes one handler class once with an event file (an API Gateway proxy event, or the authorizer's REQUEST event), in a fresh JVM, the way the Lambda
 * runtime would: constructs the handler (its cold initialisation), calls {@code handleRequest}, prints the
 * response and how long it took from JVM start. Used to measure cold initialisation and to try the
 * {@code events/} files by hand:
 *
 * <pre>
 * java -cp functions/aws/target/loopgrid-functions-*-lambda.jar dev.loopgrid.aws.tools.InvokeOnce \
 *     dev.loopgrid.aws.handlers.RecordDecisionHandler events/record-decision.json
 * </pre>
 * with the function's environment set (LOOPGRID_TABLE, AWS_REGION, credentials, and LOOPGRID_DYNAMODB_ENDPOINT
 * for the local stack's DynamoDB).
 */
public final class InvokeOnce {
    private InvokeOnce() {}

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: InvokeOnce <handler class> <event json>");
            System.exit(2);
        }
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        ObjectMapper mapper = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        Class<?> handlerClass = Class.forName(args[0]);
        // the event type the handler declares (API Gateway proxy event, the authorizer's REQUEST event, …)
        Object event = mapper.readValue(Files.readString(Path.of(args[1]), StandardCharsets.UTF_8), inputType(handlerClass));
        long t0 = System.currentTimeMillis();
        RequestHandler handler = (RequestHandler) handlerClass.getDeclaredConstructor().newInstance();
        long t1 = System.currentTimeMillis();
        Object response;
        try {
            response = handler.handleRequest(event, context(args[0]));
        } catch (RuntimeException e) {
            // an authorizer denies by throwing "Unauthorized" (API Gateway answers 401)
            System.out.println("{\"error\": " + mapper.writeValueAsString(String.valueOf(e.getMessage())) + "}");
            System.exit(1);
            return;
        }
        long t2 = System.currentTimeMillis();
        System.out.println(mapper.writeValueAsString(response));
        System.err.printf("jvm start → handler constructed: %d ms; first event handled: %d ms (handler init %d ms, "
                + "first request %d ms)%n", t1 - jvmStart, t2 - jvmStart, t1 - t0, t2 - t1);
    }

    /** I of the handler's {@code RequestHandler<I, O>}; the API Gateway proxy event when it cannot be told. */
    static Class<?> inputType(Class<?> handler) {
        for (Class<?> c = handler; c != null; c = c.getSuperclass()) {
            for (java.lang.reflect.Type t : c.getGenericInterfaces()) {
                if (t instanceof java.lang.reflect.ParameterizedType p && p.getRawType() == RequestHandler.class
                        && p.getActualTypeArguments()[0] instanceof Class<?> in) {
                    return in;
                }
            }
        }
        return APIGatewayProxyRequestEvent.class;
    }

    private static Context context(String handler) {
        String requestId = UUID.randomUUID().toString();
        String name = handler.substring(handler.lastIndexOf('.') + 1);
        return new Context() {
            public String getAwsRequestId() { return requestId; }
            public String getLogGroupName() { return "/aws/lambda/" + name; }
            public String getLogStreamName() { return "local"; }
            public String getFunctionName() { return name; }
            public String getFunctionVersion() { return "$LATEST"; }
            public String getInvokedFunctionArn() { return "arn:aws:lambda:local:000000000000:function:" + name; }
            public CognitoIdentity getIdentity() { return null; }
            public ClientContext getClientContext() { return null; }
            public int getRemainingTimeInMillis() { return 30_000; }
            public int getMemoryLimitInMB() { return 512; }
            public LambdaLogger getLogger() { return null; }
        };
    }
}
