package dev.loopgrid.aws.auth;

import dev.loopgrid.core.auth.Principal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the key authorizer passes on to the handlers: the Lambda authorizer returns it as its {@code context}, the
 * local front puts it in {@code requestContext.authorizer}, and the handlers read the principal back from it.
 */
public final class AuthorizerContext {
    public static final String TENANT = "tenant";
    public static final String ROLE = "role";
    public static final String KEY_ID = "key_id";

    private AuthorizerContext() {}

    /** The context that carries {@code p}. */
    public static Map<String, Object> of(Principal p) {
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put(TENANT, p.tenant());
        ctx.put(ROLE, p.role().wire());
        ctx.put(KEY_ID, p.keyId());
        return ctx;
    }

    /** A header of an API Gateway event's header map (any case), or null. */
    public static String header(Map<String, String> headers, String name) {
        if (headers == null) return null;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey() != null && h.getKey().equalsIgnoreCase(name)) return h.getValue();
        }
        return null;
    }
}
