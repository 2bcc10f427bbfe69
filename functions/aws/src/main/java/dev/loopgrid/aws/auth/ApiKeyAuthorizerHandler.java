package dev.loopgrid.aws.auth;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import dev.loopgrid.aws.telemetry.Telemetry;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.auth.ApiKeys;
import dev.loopgrid.core.auth.Principal;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.lambda.powertools.logging.CorrelationIdPaths;

/**
 * The API's Lambda REQUEST authorizer. Reads {@code Authorization: Bearer <key>} or {@code X-Api-Key}, looks
 * the key's SHA-256 up (one {@code GetItem}; verified keys are cached in the warm function for
 * {@code LOOPGRID_AUTH_CACHE_SECONDS}, default 60 — a revocation takes effect within that time) and answers:
 *
 * <ul>
 *   <li>valid key: Allow on every method of the stage (so API Gateway may reuse the answer for any route;
 *       the role is checked by each handler, which answers 403 with {@code detail}), context
 *       {@code tenant}, {@code role}, {@code key_id}, and the tenant's {@code usageIdentifierKey};</li>
 *   <li>missing, malformed, unknown or revoked key: {@code Unauthorized}, which API Gateway turns into 401
 *       (its gateway response carries {@code detail} and {@code code}).</li>
 * </ul>
 *
 * The presented key is never logged; only its key id after a successful check.
 */
public final class ApiKeyAuthorizerHandler implements RequestHandler<APIGatewayCustomAuthorizerEvent, Map<String, Object>> {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyAuthorizerHandler.class);
    private static volatile ApiKeys shared;

    private final ApiKeys keys;
    /** Usage-plan key of each registered tenant, and of everyone else: computed once, not per request. */
    private final Map<String, String> tenantUsageKeys = new java.util.HashMap<>();
    private final String sharedUsageKey;

    /** Lambda's constructor: one DynamoDB client and key cache per container. */
    public ApiKeyAuthorizerHandler() {
        this(sharedKeys(), tenants(System.getenv("LOOPGRID_USAGE_TENANTS")),
                System.getenv().getOrDefault("LOOPGRID_USAGE_KEY_SCOPE", "loopgrid"));
    }

    /**
     * @param registeredTenants tenants with a usage plan of their own ({@code LOOPGRID_USAGE_TENANTS})
     * @param usageScope        the deployment's usage-key scope ({@code LOOPGRID_USAGE_KEY_SCOPE}, the stack name)
     */
    public ApiKeyAuthorizerHandler(ApiKeys keys, Set<String> registeredTenants, String usageScope) {
        this.keys = keys;
        for (String t : registeredTenants) tenantUsageKeys.put(t, UsageKeys.forTenant(usageScope, t));
        this.sharedUsageKey = UsageKeys.shared(usageScope);
    }

    @Override
    public Map<String, Object> handleRequest(APIGatewayCustomAuthorizerEvent event, Context context) {
        return Telemetry.invocation(context, CorrelationIdPaths.API_GATEWAY_REST, event, () -> authorize(event));
    }

    Map<String, Object> authorize(APIGatewayCustomAuthorizerEvent event) {
        Map<String, String> headers = event.getHeaders();
        Principal p;
        try {
            p = keys.authenticate(AuthorizerContext.header(headers, "Authorization"), AuthorizerContext.header(headers, "X-Api-Key"));
        } catch (LedgerException.Unauthorized e) {
            LOG.info("denied: {}", e.detail());
            throw new UnauthorizedException();
        } catch (StoreException e) {
            LOG.warn("key store unavailable: {}", e.getMessage());
            Telemetry.count(Telemetry.AUTH_STORE_UNAVAILABLE, 1);
            throw new IllegalStateException("key store unavailable"); // API Gateway: AUTHORIZER_FAILURE
        }
        Map<String, Object> statement = new LinkedHashMap<>();
        statement.put("Action", "execute-api:Invoke");
        statement.put("Effect", "Allow");
        statement.put("Resource", stageWildcard(event.getMethodArn()));
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("Version", "2012-10-17");
        policy.put("Statement", List.of(statement));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("principalId", p.keyId());
        out.put("policyDocument", policy);
        out.put("context", AuthorizerContext.of(p));
        out.put("usageIdentifierKey", tenantUsageKeys.getOrDefault(p.tenant(), sharedUsageKey));
        LOG.info("allowed key {} (tenant {}, role {})", p.keyId(), p.tenant(), p.role().wire());
        return out;
    }

    /** {@code arn:…:apiId/stage/GET/v1/decisions} → {@code arn:…:apiId/stage/*}: the answer may be cached for every route. */
    static String stageWildcard(String methodArn) {
        if (methodArn == null) throw new IllegalStateException("authorizer event without methodArn");
        String[] parts = methodArn.split("/", 3);
        if (parts.length < 2) throw new IllegalStateException("unexpected methodArn " + methodArn);
        return parts[0] + "/" + parts[1] + "/*";
    }

    static Set<String> tenants(String csv) {
        Set<String> out = new TreeSet<>();
        if (csv == null) return out;
        for (String t : csv.split(",")) if (!t.isBlank()) out.add(t.strip());
        return out;
    }

    private static ApiKeys sharedKeys() {
        ApiKeys k = shared;
        if (k == null) {
            synchronized (ApiKeyAuthorizerHandler.class) {
                k = shared;
                if (k == null) {
                    Map<String, String> env = System.getenv();
                    String table = env.get("LOOPGRID_TABLE");
                    if (table == null || table.isBlank()) {
                        throw new IllegalStateException("environment variable LOOPGRID_TABLE is not set");
                    }
                    DynamoDbClient dynamo = dev.loopgrid.aws.App.dynamoClient(env, Duration.ofSeconds(3), Duration.ofSeconds(8));
                    long ttl = Long.parseLong(env.getOrDefault("LOOPGRID_AUTH_CACHE_SECONDS", "60"));
                    shared = k = new ApiKeys(new DynamoApiKeyStore(dynamo, table), Clock.systemUTC(),
                            Duration.ofSeconds(ttl));
                }
            }
        }
        return k;
    }

    /** The exact message API Gateway maps to 401. */
    static final class UnauthorizedException extends RuntimeException {
        UnauthorizedException() {
            super("Unauthorized", null, false, false);
        }
    }
}
