package dev.loopgrid.aws.docs;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The API's documentation as served by {@code GET /openapi.json}, {@code GET /docs} and {@code GET /docs/{asset}}:
 * the hand-written OpenAPI 3 document ({@code openapi.json} on the classpath), our Swagger UI page, and the two
 * Swagger UI files it loads from the {@code org.webjars:swagger-ui} webjar (the Lambda jar's shade filter keeps
 * only those, to stay small). Everything is read from the classpath once per process.
 */
public final class ApiDocs {
    /** The classpath resource of the OpenAPI document. */
    public static final String OPENAPI_RESOURCE = "openapi.json";
    static final String INDEX_RESOURCE = "dev/loopgrid/aws/docs/index.html";
    static final String WEBJAR_PROPERTIES = "META-INF/maven/org.webjars/swagger-ui/pom.properties";
    /** A base path we are willing to write into a page: what API Gateway stage names and base path mappings use. */
    private static final Pattern SAFE_BASE = Pattern.compile("(/[A-Za-z0-9._~-]+)*");

    /** A text file served under {@code /docs/}. */
    public record Asset(String name, String contentType, String text) {}

    /** The assets the page loads; nothing else of the webjar is served (nor shipped in the Lambda jar). */
    public static final Map<String, String> ASSET_TYPES = Map.of(
            "swagger-ui-bundle.js", "application/javascript; charset=utf-8",
            "swagger-ui.css", "text/css; charset=utf-8");

    private ApiDocs() {}

    /** The OpenAPI document as written (a fresh copy each call; callers may change it). */
    public static ObjectNode openApi() {
        return Holder.OPENAPI.deepCopy();
    }

    /** The Swagger UI version of the webjar on the classpath, e.g. {@code 5.17.14}. */
    public static String swaggerUiVersion() {
        return Holder.SWAGGER_UI_VERSION;
    }

    /** The Swagger UI page, loading its assets and the document from under {@code base} (see {@link #basePath}). */
    public static String indexPage(String base) {
        return Holder.INDEX.replace("{{base}}", base);
    }

    /** A documentation asset by file name, or empty when there is no such asset. */
    private static final java.util.regex.Pattern INLINE_SCRIPT =
            java.util.regex.Pattern.compile("<script>(.*?)</script>", java.util.regex.Pattern.DOTALL);

    /**
     * The documentation page's Content-Security-Policy: nothing by default; scripts only from this origin plus
     * the page's own inline bootstrap script, allowed by its SHA-256 (computed from the rendered page, since
     * it names the stage's base path); styles from this origin and inline (Swagger UI sets style attributes);
     * fetches only to this origin (the OpenAPI document, "Try it out"); no framing, no forms, no base URI.
     */
    public static String contentSecurityPolicy(String page) {
        StringBuilder scripts = new StringBuilder("'self'");
        java.util.regex.Matcher m = INLINE_SCRIPT.matcher(page);
        while (m.find()) {
            try {
                byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                        .digest(m.group(1).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                scripts.append(" 'sha256-").append(java.util.Base64.getEncoder().encodeToString(d)).append('\'');
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return "default-src 'none'; script-src " + scripts + "; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                + "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    public static Optional<Asset> asset(String name) {
        String type = ASSET_TYPES.get(name);
        if (type == null) return Optional.empty();
        return Optional.of(new Asset(name, type, Assets.TEXTS.get(name)));
    }

    /**
     * The path prefix under which the client reached the API: API Gateway's {@code requestContext.path} carries
     * the stage ({@code /prod/docs}) or a custom domain's base path, while the event's {@code path} is the
     * resource path ({@code /docs}); the difference is the prefix. Empty when there is none (local stack), or
     * when it holds characters we would not write into a page.
     */
    public static String basePath(APIGatewayProxyRequestEvent event) {
        String path = event.getPath();
        String full = event.getRequestContext() == null ? null : event.getRequestContext().getPath();
        if (path == null || full == null || !full.endsWith(path)) return "";
        String base = full.substring(0, full.length() - path.length());
        if (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        return SAFE_BASE.matcher(base).matches() ? base : "";
    }

    static String read(String resource) {
        try (InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("classpath resource " + resource + " is missing");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
    }

    /** The small things, loaded on first use of the class. */
    private static final class Holder {
        static final ObjectNode OPENAPI = (ObjectNode) Json.parse(read(OPENAPI_RESOURCE));
        static final String INDEX = read(INDEX_RESOURCE);
        static final String SWAGGER_UI_VERSION = webjarVersion();

        private static String webjarVersion() {
            Properties p = new Properties();
            try (InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(WEBJAR_PROPERTIES)) {
                if (in == null) throw new IllegalStateException("the swagger-ui webjar is not on the classpath");
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return p.getProperty("version");
        }
    }

    /** The Swagger UI files (≈ 1.6 MB of text): loaded only by the function that serves them. */
    private static final class Assets {
        static final Map<String, String> TEXTS = Map.of(
                "swagger-ui-bundle.js", webjarFile("swagger-ui-bundle.js"),
                "swagger-ui.css", webjarFile("swagger-ui.css"));

        private static String webjarFile(String name) {
            return read("META-INF/resources/webjars/swagger-ui/" + Holder.SWAGGER_UI_VERSION + "/" + name);
        }
    }
}
