package dev.loopgrid.aws.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.replay.LlmProvider;
import dev.loopgrid.core.replay.ProviderException;
import dev.loopgrid.core.replay.ProviderRequest;
import dev.loopgrid.core.replay.ProviderResult;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClientBuilder;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.AnyToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.AutoToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.InternalServerException;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.ModelNotReadyException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelTimeoutException;
import software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceUnavailableException;
import software.amazon.awssdk.services.bedrockruntime.model.SpecificToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

/**
 * Amazon Bedrock through the Converse API (AWS SDK v2, {@link UrlConnectionHttpClient}).
 *
 * <p>System messages become {@code system} blocks; user/assistant messages become text blocks (consecutive
 * messages of one role are merged, as Converse wants alternating turns); recorded OpenAI-style assistant
 * {@code tool_calls} become {@code toolUse} blocks and {@code tool} messages {@code toolResult} blocks.
 * max_tokens, temperature, top_p and stop sequences go to {@code inferenceConfig}; a recorded {@code top_k}
 * (and any recorded {@code additional_model_request_fields} object) to {@code additionalModelRequestFields}.
 * Tools go to {@code toolConfig} with their JSON schema as a {@link Document}.
 *
 * <p>Retries are the SDK's (standard strategy, {@code maxRetries + 1} attempts) within an API-call timeout of
 * the total budget. Throttling, service unavailable, internal errors, model not ready, model timeouts, other
 * 429/5xx and client-side timeouts or I/O errors are retryable; validation, access denied, resource not found
 * and other 4xx are not.
 */
public final class BedrockProvider implements LlmProvider, AutoCloseable {
    public static final String NAME = "bedrock";

    private final BedrockRuntimeClient client;

    public BedrockProvider(BedrockRuntimeClient client) {
        this.client = Objects.requireNonNull(client);
    }

    /**
     * The client used in Lambda and locally: URL-connection HTTP client with the connect timeout, SDK retries
     * bounded by {@code maxRetries}, the whole call bounded by the total timeout.
     *
     * @param endpointOverride null for the regional endpoint; set for tests and local fakes
     * @param credentials      null for the default credentials chain
     */
    public static BedrockRuntimeClient client(Region region, URI endpointOverride, AwsCredentialsProvider credentials,
                                              ProviderHttp.Settings settings) {
        BedrockRuntimeClientBuilder b = BedrockRuntimeClient.builder()
                .region(region)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(settings.connectTimeout())
                        .socketTimeout(settings.totalTimeout()))
                .overrideConfiguration(o -> o
                        .apiCallTimeout(settings.totalTimeout())
                        .retryStrategy(r -> r.maxAttempts(settings.maxRetries() + 1)));
        if (endpointOverride != null) b.endpointOverride(endpointOverride);
        if (credentials != null) b.credentialsProvider(credentials);
        return b.build();
    }

    @Override
    public String name() { return NAME; }

    @Override
    public ProviderResult call(ProviderRequest request) {
        ConverseRequest converse = converseRequest(request);
        long t0 = System.nanoTime();
        ConverseResponse resp;
        try {
            resp = client.converse(converse);
        } catch (SdkException e) {
            throw classify(e);
        }
        long measured = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        return parse(resp, request.model(), measured);
    }

    static ConverseRequest converseRequest(ProviderRequest request) {
        if (request.model() == null || request.model().isBlank()) {
            throw new ProviderException(NAME + ": the decision records no model id", false, 0, null);
        }
        List<SystemContentBlock> system = new ArrayList<>();
        List<Message> messages = new ArrayList<>();
        ConversationRole currentRole = null;
        List<ContentBlock> current = new ArrayList<>();
        for (JsonNode m : request.messages()) {
            String role = Messages.role(m);
            if (Messages.isSystem(role)) {
                String s = Messages.text(m.get("content"));
                if (!s.isBlank()) system.add(SystemContentBlock.fromText(s));
                continue;
            }
            ConversationRole r = role.equals("assistant") ? ConversationRole.ASSISTANT : ConversationRole.USER;
            List<ContentBlock> blocks = blocks(role, m);
            if (blocks.isEmpty()) continue;
            if (r != currentRole && !current.isEmpty()) {
                messages.add(Message.builder().role(currentRole).content(current).build());
                current = new ArrayList<>();
            }
            currentRole = r;
            current.addAll(blocks);
        }
        if (!current.isEmpty()) messages.add(Message.builder().role(currentRole).content(current).build());

        ConverseRequest.Builder b = ConverseRequest.builder().modelId(request.model()).messages(messages);
        if (!system.isEmpty()) b.system(system);

        ObjectNode p = request.parameters();
        InferenceConfiguration.Builder ic = InferenceConfiguration.builder();
        boolean inference = false;
        JsonNode max = Messages.maxTokens(p);
        if (max != null && max.canConvertToInt()) { ic.maxTokens(max.asInt()); inference = true; }
        JsonNode temperature = p.get("temperature");
        if (temperature != null && temperature.isNumber()) { ic.temperature(temperature.floatValue()); inference = true; }
        JsonNode topP = Messages.topP(p);
        if (topP != null && topP.isNumber()) { ic.topP(topP.floatValue()); inference = true; }
        ArrayNode stop = Messages.stopSequences(p);
        if (stop != null) {
            List<String> seqs = new ArrayList<>();
            stop.forEach(s -> seqs.add(s.textValue()));
            ic.stopSequences(seqs);
            inference = true;
        }
        if (inference) b.inferenceConfig(ic.build());

        ObjectNode additional = Json.object();
        JsonNode extra = Messages.param(p, "additional_model_request_fields", "additionalModelRequestFields");
        if (extra != null && extra.isObject()) additional.setAll((ObjectNode) extra);
        JsonNode topK = Messages.param(p, "top_k", "topK");
        if (topK != null && !additional.has("top_k")) additional.set("top_k", topK);
        if (!additional.isEmpty()) b.additionalModelRequestFields(toDocument(additional));

        if (!request.tools().isEmpty()) {
            List<Tool> tools = new ArrayList<>();
            for (JsonNode t : request.tools()) {
                ToolSpecification.Builder spec = ToolSpecification.builder().name(t.path("name").asText());
                String description = t.path("description").asText("");
                if (!description.isBlank()) spec.description(description);
                JsonNode schema = t.hasNonNull("parameters") ? t.get("parameters") : Json.object().put("type", "object");
                spec.inputSchema(ToolInputSchema.fromJson(toDocument(schema)));
                tools.add(Tool.fromToolSpec(spec.build()));
            }
            ToolConfiguration.Builder tc = ToolConfiguration.builder().tools(tools);
            ToolChoice choice = toolChoice(p.get("tool_choice"));
            if (choice != null) tc.toolChoice(choice);
            b.toolConfig(tc.build());
        }
        return b.build();
    }

    private static List<ContentBlock> blocks(String role, JsonNode m) {
        List<ContentBlock> out = new ArrayList<>();
        if (role.equals("tool") || role.equals("function")) {
            out.add(ContentBlock.fromToolResult(ToolResultBlock.builder()
                    .toolUseId(m.path("tool_call_id").asText(m.path("name").asText("")))
                    .content(ToolResultContentBlock.fromText(Messages.text(m.get("content"))))
                    .build()));
            return out;
        }
        String text = Messages.text(m.get("content"));
        if (!text.isBlank()) out.add(ContentBlock.fromText(text));
        if (role.equals("assistant") && m.path("tool_calls").isArray()) {
            int i = 0;
            for (JsonNode tc : m.get("tool_calls")) {
                JsonNode fn = tc.has("function") ? tc.get("function") : tc;
                JsonNode args = Messages.arguments(fn.has("arguments") ? fn.get("arguments") : fn.get("input"));
                out.add(ContentBlock.fromToolUse(ToolUseBlock.builder()
                        .toolUseId(tc.path("id").asText("tooluse_replay_" + i))
                        .name(fn.path("name").asText())
                        .input(toDocument(args.isObject() ? args : Json.object().set("value", args)))
                        .build()));
                i++;
            }
        }
        return out;
    }

    private static ToolChoice toolChoice(JsonNode c) {
        if (c == null || c.isNull()) return null;
        String type = c.isTextual() ? c.textValue() : c.path("type").asText("");
        return switch (type) {
            case "auto" -> ToolChoice.fromAuto(AutoToolChoice.builder().build());
            case "any", "required" -> ToolChoice.fromAny(AnyToolChoice.builder().build());
            case "tool" -> ToolChoice.fromTool(SpecificToolChoice.builder().name(c.path("name").asText()).build());
            case "function" -> ToolChoice.fromTool(SpecificToolChoice.builder()
                    .name(c.path("function").path("name").asText()).build());
            default -> null; // "none" has no Converse equivalent
        };
    }

    private static ProviderResult parse(ConverseResponse resp, String model, long measuredMs) {
        if (resp.output() == null || resp.output().message() == null) {
            throw new ProviderException(NAME + ": malformed response: no output message", false, 200, null);
        }
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (ContentBlock block : resp.output().message().content()) {
            if (block.text() != null) {
                text.append(block.text());
            } else if (block.toolUse() != null) {
                ToolUseBlock tu = block.toolUse();
                calls.addObject().put("name", tu.name())
                        .set("arguments", tu.input() == null ? Json.object() : toJson(tu.input()));
            }
        }
        Long in = null;
        Long out = null;
        if (resp.usage() != null) {
            in = resp.usage().inputTokens() == null ? null : resp.usage().inputTokens().longValue();
            out = resp.usage().outputTokens() == null ? null : resp.usage().outputTokens().longValue();
        }
        long latency = resp.metrics() != null && resp.metrics().latencyMs() != null
                ? resp.metrics().latencyMs() : measuredMs;
        return new ProviderResult(text.toString(), calls.isEmpty() ? null : calls, model,
                resp.stopReasonAsString(), in, out, null, latency);
    }

    /** Maps SDK failures to retryable or final {@link ProviderException}s. */
    static ProviderException classify(SdkException e) {
        if (e instanceof AwsServiceException ase) {
            int status = ase.statusCode();
            String code = ase.awsErrorDetails() != null && ase.awsErrorDetails().errorCode() != null
                    ? ase.awsErrorDetails().errorCode() : ase.getClass().getSimpleName();
            String detail = ase.awsErrorDetails() != null && ase.awsErrorDetails().errorMessage() != null
                    ? ase.awsErrorDetails().errorMessage() : "";
            boolean retryable;
            if (e instanceof ThrottlingException || e instanceof ServiceUnavailableException
                    || e instanceof InternalServerException || e instanceof ModelNotReadyException
                    || e instanceof ModelTimeoutException) {
                retryable = true;
            } else if (e instanceof ValidationException || e instanceof AccessDeniedException
                    || e instanceof ResourceNotFoundException) {
                retryable = false;
            } else {
                retryable = status == 408 || status == 429 || status >= 500 || ase.isThrottlingException();
            }
            String msg = NAME + ": HTTP " + status + " " + code + (detail.isBlank() ? "" : ": " + oneLine(detail));
            return new ProviderException(msg, retryable, status, e);
        }
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            return new ProviderException(NAME + ": timed out: " + oneLine(e.getMessage()), true, 0, e);
        }
        if (e instanceof SdkClientException && hasIoCause(e)) {
            return new ProviderException(NAME + ": connection failed: " + oneLine(e.getMessage()), true, 0, e);
        }
        return new ProviderException(NAME + ": " + oneLine(e.getMessage()), e.retryable(), 0, e);
    }

    private static boolean hasIoCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof IOException) return true;
        }
        return false;
    }

    private static String oneLine(String s) {
        if (s == null) return "";
        String t = s.replaceAll("\\s+", " ").strip();
        return t.length() > 300 ? t.substring(0, 300) + "…" : t;
    }

    /** JSON → SDK document (numbers keep their precision). */
    static Document toDocument(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return Document.fromNull();
        if (n.isObject()) {
            Map<String, Document> map = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                map.put(f.getKey(), toDocument(f.getValue()));
            }
            return Document.fromMap(map);
        }
        if (n.isArray()) {
            List<Document> list = new ArrayList<>();
            n.forEach(e -> list.add(toDocument(e)));
            return Document.fromList(list);
        }
        if (n.isTextual()) return Document.fromString(n.textValue());
        if (n.isBoolean()) return Document.fromBoolean(n.booleanValue());
        if (n.isIntegralNumber()) return Document.fromNumber(n.bigIntegerValue());
        if (n.isNumber()) return Document.fromNumber(n.decimalValue());
        return Document.fromString(n.asText());
    }

    /** SDK document → JSON. */
    static JsonNode toJson(Document d) {
        JsonNodeFactory f = Json.MAPPER.getNodeFactory();
        if (d == null || d.isNull()) return f.nullNode();
        if (d.isMap()) {
            ObjectNode o = f.objectNode();
            d.asMap().forEach((k, v) -> o.set(k, toJson(v)));
            return o;
        }
        if (d.isList()) {
            ArrayNode a = f.arrayNode();
            d.asList().forEach(v -> a.add(toJson(v)));
            return a;
        }
        if (d.isString()) return f.textNode(d.asString());
        if (d.isBoolean()) return f.booleanNode(d.asBoolean());
        if (d.isNumber()) {
            String s = d.asNumber().stringValue();
            if (s.matches("-?\\d+")) {
                java.math.BigInteger big = new java.math.BigInteger(s);
                if (big.bitLength() < 32) return f.numberNode(big.intValue());
                return big.bitLength() < 64 ? f.numberNode(big.longValue()) : f.numberNode(big);
            }
            return f.numberNode(new BigDecimal(s));
        }
        return f.textNode(String.valueOf(d.unwrap()));
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "BedrockProvider";
    }
}
