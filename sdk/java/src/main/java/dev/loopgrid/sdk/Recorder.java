package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Records every call of an OpenAI or Anthropic Java client as a LoopGrid decision, in the shape LoopGrid's replays
 * read back (so a recorded call can be replayed live) — the same shape as the Python and JavaScript wrappers:
 * {@code prompt.messages} (system first) and {@code prompt.tools}, {@code input.message} (the last user message),
 * {@code model} (provider, name and parameters such as temperature), {@code output.response} and
 * {@code output.tool_calls}, {@code tool_calls}, and {@code metadata} ({@code latency_ms}, {@code tokens},
 * {@code finish_reason}, {@code response_id}, …).
 *
 * <pre>{@code
 * Recorder recorder = Recorder.openAi(grid).prompt(Map.of("template", "support_v1")).build();
 * OpenAIClient openai = recorder.wrap(OpenAIOkHttpClient.fromEnv());
 * ChatCompletion reply = openai.chat().completions().create(params);   // recorded, returned untouched
 *
 * AnthropicClient claude = Recorder.anthropic(grid).decisionType("support_reply").buffer(true).build()
 *         .wrap(AnthropicOkHttpClient.fromEnv());
 * }</pre>
 *
 * <p><b>Duck-typed.</b> This SDK does not depend on {@code com.openai:openai-java} nor
 * {@code com.anthropic:anthropic-java}: {@link #wrap} returns a {@link Proxy} implementing the client's interfaces
 * ({@code OpenAIClient}, {@code AnthropicClient}) that passes every call through and intercepts
 * {@code chat().completions().create(…)} / {@code createStreaming(…)} (OpenAI) and {@code messages().create(…)} /
 * {@code createStreaming(…)} (Anthropic); {@code withOptions(…)} keeps the recording. The request
 * ({@code params._body()}) and the answer are turned into their wire JSON with the provider SDK's own mapper
 * ({@code com.openai.core.ObjectMappers.jsonMapper()}, {@code com.anthropic.core.ObjectMappers.jsonMapper()}), found
 * at run time; any object with the same method names works (fakes in tests, other versions of those SDKs).
 * The async clients ({@code client.async()}) are not recorded.
 *
 * <p><b>Streams</b> ({@code createStreaming}) are passed through chunk by chunk and recorded when the
 * {@code StreamResponse} is closed (use try-with-resources), from the chunks read.
 *
 * <p><b>Never breaks the call.</b> The call's own exceptions pass through unchanged and record nothing. A failure to
 * record is logged (System.Logger {@code loopgrid}) and counted ({@link #failures()}); with {@code buffer(true)} the
 * decision is kept (up to {@code maxBuffer}) and sent again before the next recording or on {@link #flush()}.
 * Recording happens inline after the call returns, so a slow LoopGrid adds up to its timeout to the call: give the
 * grid a short timeout (e.g. 2 s).
 */
public final class Recorder {
    private static final System.Logger LOG = System.getLogger("loopgrid");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final Map<String, ObjectMapper> SDK_MAPPERS = new ConcurrentHashMap<>();
    /** call members that are transport settings, not model parameters */
    private static final Set<String> NOT_PARAMETERS = Set.of("messages", "model", "tools", "functions", "system",
            "stream", "stream_options", "extra_headers", "extra_query", "extra_body", "timeout", "metadata", "user");

    /** Which provider's client is wrapped: where its call lives and how to read it. */
    enum Provider {
        OPENAI("openai", "chat_completion", List.of("chat", "completions")),
        ANTHROPIC("anthropic", "message", List.of("messages"));

        final String wire;
        final String defaultType;
        final List<String> path;

        Provider(String wire, String defaultType, List<String> path) {
            this.wire = wire;
            this.defaultType = defaultType;
            this.path = path;
        }
    }

    private final LoopGrid grid;
    private final Provider provider;
    private final String decisionType;
    private final String serviceName;
    private final JsonNode prompt;
    private final JsonNode metadata;
    private final boolean buffer;
    private final int maxBuffer;
    private final Deque<NewDecision> pendingDecisions = new ArrayDeque<>();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile Decision lastDecision;

    private Recorder(Builder b) {
        this.grid = b.grid;
        this.provider = b.provider;
        this.decisionType = b.decisionType != null ? b.decisionType : b.provider.defaultType;
        this.serviceName = b.serviceName;
        this.prompt = b.prompt == null ? null : PLAIN.valueToTree(b.prompt);
        this.metadata = b.metadata == null ? null : PLAIN.valueToTree(b.metadata);
        if (prompt != null && !prompt.isObject()) throw new IllegalArgumentException("prompt must be a JSON object");
        if (metadata != null && !metadata.isObject()) throw new IllegalArgumentException("metadata must be a JSON object");
        this.buffer = b.buffer;
        this.maxBuffer = b.maxBuffer;
    }

    /** A recorder for an OpenAI client ({@code chat().completions().create}); decision type {@code chat_completion}. */
    public static Builder openAi(LoopGrid grid) {
        return new Builder(grid, Provider.OPENAI);
    }

    /** A recorder for an Anthropic client ({@code messages().create}); decision type {@code message}. */
    public static Builder anthropic(LoopGrid grid) {
        return new Builder(grid, Provider.ANTHROPIC);
    }

    /**
     * A proxy of {@code client} that records its calls; the client itself is not modified.
     *
     * @param client an {@code OpenAIClient} / {@code AnthropicClient} (or any object whose class implements interfaces
     *               with the same method names)
     * @param <T>    the interface you hold the client by, e.g. {@code OpenAIClient}
     * @throws IllegalArgumentException when the client implements no interface, or has no {@code chat()} /
     *                                  {@code messages()} method
     */
    @SuppressWarnings("unchecked")
    public <T> T wrap(T client) {
        Objects.requireNonNull(client, "client");
        if (findMethod(client.getClass(), provider.path.get(0)) == null) {
            throw new IllegalArgumentException(client.getClass().getName() + " has no " + provider.path.get(0)
                    + "() method: not " + (provider == Provider.OPENAI ? "an OpenAI" : "an Anthropic") + " client");
        }
        return (T) proxy(client, 0);
    }

    /** The decision recorded last, or null. */
    public Decision lastDecision() {
        return lastDecision;
    }

    /** How many recordings failed (each was logged). */
    public int failures() {
        return failures.get();
    }

    /** Decisions waiting in the buffer. */
    public synchronized int pending() {
        return pendingDecisions.size();
    }

    /** Sends buffered decisions again; returns how many were recorded. Never throws. */
    public int flush() {
        int sent = 0;
        while (true) {
            NewDecision next;
            synchronized (this) {
                next = pendingDecisions.peekFirst();
            }
            if (next == null) return sent;
            try {
                lastDecision = grid.recordDecision(next);
            } catch (RuntimeException e) { // still failing: keep it, try again later
                LOG.log(System.Logger.Level.WARNING, "LoopGrid: buffered decision still not recorded ({0} pending): {1}",
                        pending(), e.getMessage());
                return sent;
            }
            synchronized (this) {
                if (pendingDecisions.peekFirst() == next) pendingDecisions.pollFirst();
            }
            sent++;
        }
    }

    // ---------------------------------------------------------------- the proxies

    private Object proxy(Object target, int depth) {
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) collectInterfaces(c, interfaces);
        if (interfaces.isEmpty()) {
            throw new IllegalArgumentException(target.getClass().getName() + " implements no interface to stand in for; "
                    + "wrap the client as its interface type (e.g. OpenAIClient, AnthropicClient)");
        }
        InvocationHandler handler = (self, method, args) -> {
            String name = method.getName();
            if (method.getDeclaringClass() == Object.class) {
                if (name.equals("equals")) return self == args[0];
                if (name.equals("hashCode")) return System.identityHashCode(self);
                if (name.equals("toString")) return "LoopGrid-recorded " + target;
            }
            boolean last = depth == provider.path.size();
            if (last && (name.equals("create") || name.equals("createStreaming")) && args != null && args.length >= 1) {
                return name.equals("create") ? recordedCreate(target, method, args) : recordedStream(target, method, args);
            }
            Object result = invoke(target, method, args);
            if (result == null) return null;
            if (!last && name.equals(provider.path.get(depth)) && (args == null || args.length == 0)) {
                return proxy(result, depth + 1); // one step closer to the call
            }
            if (name.equals("withOptions") && method.getReturnType().isInterface()
                    && method.getReturnType().isInstance(result)) {
                return proxy(result, depth); // the same service with other options: still recorded
            }
            return result;
        };
        return Proxy.newProxyInstance(target.getClass().getClassLoader(), interfaces.toArray(Class<?>[]::new), handler);
    }

    private Object recordedCreate(Object target, Method method, Object[] args) throws Throwable {
        long started = System.nanoTime();
        Object response = invoke(target, method, args); // its exceptions are the caller's, untouched
        long latencyMs = (System.nanoTime() - started) / 1_000_000;
        record(() -> payload(call(args[0], false), provider == Provider.OPENAI ? openAiResponse(json(response))
                : anthropicResponse(json(response)), latencyMs));
        return response;
    }

    private Object recordedStream(Object target, Method method, Object[] args) throws Throwable {
        long started = System.nanoTime();
        Object streamResponse = invoke(target, method, args);
        if (streamResponse == null || !method.getReturnType().isInterface()) return streamResponse;
        Accumulator acc = provider == Provider.OPENAI ? new OpenAiAccumulator() : new AnthropicAccumulator();
        AtomicBoolean done = new AtomicBoolean();
        InvocationHandler handler = (self, m, a) -> {
            if (m.getDeclaringClass() == Object.class && m.getName().equals("toString")) return "LoopGrid-recorded " + streamResponse;
            Object result = invoke(streamResponse, m, a);
            if (m.getName().equals("stream") && result instanceof Stream<?> s) {
                return s.peek(chunk -> {
                    try {
                        acc.add(json(chunk));
                    } catch (RuntimeException e) { // a chunk we cannot read: the stream goes on
                        LOG.log(System.Logger.Level.DEBUG, "LoopGrid: unreadable stream chunk: {0}", e.toString());
                    }
                });
            }
            if (m.getName().equals("close") && done.compareAndSet(false, true)) {
                long latencyMs = (System.nanoTime() - started) / 1_000_000;
                record(() -> payload(call(args[0], true), acc.result(), latencyMs));
            }
            return result;
        };
        return Proxy.newProxyInstance(streamResponse.getClass().getClassLoader(), new Class<?>[] {method.getReturnType()},
                handler);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        } catch (IllegalAccessException e) { // a non-public implementation class: call through the interface's method
            Method m = target.getClass().getMethod(method.getName(), method.getParameterTypes());
            m.setAccessible(true);
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e2) {
                throw e2.getCause();
            }
        }
    }

    // ---------------------------------------------------------------- recording

    interface PayloadBuilder {
        NewDecision build();
    }

    private void record(PayloadBuilder build) {
        NewDecision payload;
        try {
            payload = build.build();
        } catch (RuntimeException e) { // a shape we do not understand: the call itself succeeded
            failures.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "LoopGrid: could not read the {0} call to record it: {1}", provider.wire,
                    e.toString());
            return;
        }
        if (pending() > 0) flush();
        try {
            lastDecision = grid.recordDecision(payload);
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            if (buffer) {
                synchronized (this) {
                    if (pendingDecisions.size() >= maxBuffer) pendingDecisions.pollFirst();
                    pendingDecisions.addLast(payload);
                }
                LOG.log(System.Logger.Level.WARNING, "LoopGrid: decision not recorded, buffered for retry ({0} pending): {1}",
                        pending(), e.getMessage());
            } else {
                LOG.log(System.Logger.Level.WARNING, "LoopGrid: decision not recorded: {0}", e.getMessage());
            }
        }
    }

    /** What was asked: model, messages (system first), tools, parameters. */
    record Call(String model, ArrayNode messages, ArrayNode tools, ObjectNode parameters, boolean streamed) {}

    /** What came back. */
    record Result(String text, ArrayNode toolCalls, Long inputTokens, Long outputTokens, Long totalTokens,
                  String finishReason, String responseId, String systemFingerprint, String model) {}

    Call call(Object params, boolean streamed) {
        Object body = params;
        Method m = findMethod(params.getClass(), "_body");
        if (m != null) {
            try {
                body = invoke(params, m, null);
            } catch (Throwable e) {
                throw new IllegalStateException("cannot read the request body: " + e, e);
            }
        }
        JsonNode b = json(body);
        if (!b.isObject()) throw new IllegalStateException("the request is not a JSON object");
        ArrayNode messages = JSON.arrayNode();
        if (provider == Provider.ANTHROPIC && b.hasNonNull("system")) {
            // replays read system instructions as the first message
            messages.addObject().put("role", "system").put("content", text(b.get("system")));
        }
        if (b.path("messages").isArray()) messages.addAll((ArrayNode) b.get("messages"));
        ArrayNode tools = JSON.arrayNode();
        JsonNode t = b.hasNonNull("tools") ? b.get("tools") : b.get("functions");
        if (t != null && t.isArray()) tools.addAll((ArrayNode) t);
        ObjectNode parameters = JSON.objectNode();
        b.properties().forEach(f -> {
            if (!NOT_PARAMETERS.contains(f.getKey()) && !f.getValue().isNull()) parameters.set(f.getKey(), f.getValue());
        });
        return new Call(b.hasNonNull("model") ? b.get("model").asText() : null, messages, tools, parameters,
                streamed || b.path("stream").asBoolean(false));
    }

    NewDecision payload(Call call, Result result, long latencyMs) {
        ObjectNode p = prompt == null ? JSON.objectNode() : prompt.deepCopy();
        p.set("messages", call.messages());
        if (!call.tools().isEmpty()) p.set("tools", call.tools());
        ObjectNode model = JSON.objectNode();
        model.put("provider", provider.wire);
        model.put("name", call.model() != null ? call.model() : result.model() != null ? result.model() : "unknown");
        model.setAll(call.parameters());
        ObjectNode output = JSON.objectNode();
        output.put("response", result.text() == null ? "" : result.text());
        if (!result.toolCalls().isEmpty()) {
            ArrayNode calls = output.putArray("tool_calls");
            for (JsonNode c : result.toolCalls()) {
                ObjectNode named = calls.addObject();
                named.set("name", c.get("name"));
                named.set("arguments", c.get("arguments"));
            }
        }
        ObjectNode meta = JSON.objectNode();
        meta.put("latency_ms", latencyMs);
        if (result.inputTokens() != null || result.outputTokens() != null || result.totalTokens() != null) {
            ObjectNode tokens = meta.putObject("tokens");
            if (result.inputTokens() != null) tokens.put("input", result.inputTokens());
            if (result.outputTokens() != null) tokens.put("output", result.outputTokens());
            Long total = result.totalTokens() != null ? result.totalTokens()
                    : result.inputTokens() != null && result.outputTokens() != null
                    ? (Long) (result.inputTokens() + result.outputTokens()) : null;
            if (total != null) tokens.put("total", total);
        }
        if (result.finishReason() != null) meta.put("finish_reason", result.finishReason());
        if (result.responseId() != null) meta.put("response_id", result.responseId());
        if (result.systemFingerprint() != null) meta.put("system_fingerprint", result.systemFingerprint());
        if (result.model() != null) meta.put("response_model", result.model());
        if (call.streamed()) meta.put("streamed", true);
        meta.put("recorded_by", "loopgrid-java/" + LoopGrid.VERSION);
        if (metadata != null) meta.setAll((ObjectNode) metadata);
        NewDecision.Builder d = NewDecision.builder(decisionType)
                .input(JSON.objectNode().put("message", lastUserText(call.messages())))
                .model(model).output(output).prompt(p).metadata(meta);
        if (!result.toolCalls().isEmpty()) d.toolCalls(result.toolCalls());
        if (serviceName != null) d.serviceName(serviceName);
        return d.build();
    }

    // ---------------------------------------------------------------- provider shapes (wire JSON)

    /** Chat Completions: {@code choices[0].message} → text and tool calls; {@code usage}. */
    static Result openAiResponse(JsonNode r) {
        requireObject(r);
        JsonNode choice = r.path("choices").path(0);
        JsonNode message = choice.path("message");
        ArrayNode calls = JSON.arrayNode();
        for (JsonNode c : message.path("tool_calls")) {
            JsonNode fn = c.path("function");
            ObjectNode call = calls.addObject();
            call.set("id", c.get("id"));
            call.set("name", fn.get("name"));
            call.set("arguments", arguments(fn.get("arguments")));
        }
        JsonNode usage = r.path("usage");
        return new Result(text(message.get("content")), calls, number(usage, "prompt_tokens"),
                number(usage, "completion_tokens"), number(usage, "total_tokens"), string(choice, "finish_reason"),
                string(r, "id"), string(r, "system_fingerprint"), string(r, "model"));
    }

    /** Messages: {@code content} blocks (text, tool_use); {@code usage}; {@code stop_reason}. */
    static Result anthropicResponse(JsonNode r) {
        requireObject(r);
        StringBuilder text = new StringBuilder();
        ArrayNode calls = JSON.arrayNode();
        for (JsonNode block : r.path("content")) {
            String type = block.path("type").asText();
            if (type.equals("text")) text.append(block.path("text").asText(""));
            else if (type.equals("tool_use")) {
                ObjectNode call = calls.addObject();
                call.set("id", block.get("id"));
                call.set("name", block.get("name"));
                call.set("arguments", block.hasNonNull("input") ? block.get("input") : JSON.objectNode());
            }
        }
        JsonNode usage = r.path("usage");
        return new Result(text.toString(), calls, number(usage, "input_tokens"), number(usage, "output_tokens"), null,
                string(r, "stop_reason"), string(r, "id"), null, string(r, "model"));
    }

    /** Assembles a streamed answer from its chunks. */
    interface Accumulator {
        void add(JsonNode chunk);

        Result result();
    }

    static final class OpenAiAccumulator implements Accumulator {
        private final StringBuilder text = new StringBuilder();
        private final Map<Integer, ObjectNode> calls = new java.util.TreeMap<>();
        private final Map<Integer, StringBuilder> args = new java.util.TreeMap<>();
        private String id, model, fingerprint, finish;
        private JsonNode usage = JSON.objectNode();

        @Override
        public synchronized void add(JsonNode c) {
            if (c.hasNonNull("id")) id = c.get("id").asText();
            if (c.hasNonNull("model")) model = c.get("model").asText();
            if (c.hasNonNull("system_fingerprint")) fingerprint = c.get("system_fingerprint").asText();
            if (c.path("usage").isObject()) usage = c.get("usage");
            for (JsonNode choice : c.path("choices")) {
                JsonNode delta = choice.path("delta");
                if (delta.hasNonNull("content")) text.append(text(delta.get("content")));
                for (JsonNode tc : delta.path("tool_calls")) {
                    int index = tc.path("index").asInt(0);
                    ObjectNode slot = calls.computeIfAbsent(index, i -> JSON.objectNode().putNull("id").put("name", ""));
                    if (tc.hasNonNull("id")) slot.put("id", tc.get("id").asText());
                    JsonNode fn = tc.path("function");
                    if (fn.hasNonNull("name")) slot.put("name", slot.get("name").asText() + fn.get("name").asText());
                    if (fn.hasNonNull("arguments")) args.computeIfAbsent(index, i -> new StringBuilder()).append(fn.get("arguments").asText());
                }
                if (choice.hasNonNull("finish_reason")) finish = choice.get("finish_reason").asText();
            }
        }

        @Override
        public synchronized Result result() {
            ArrayNode out = JSON.arrayNode();
            calls.forEach((i, slot) -> out.add(slot.deepCopy().set("arguments",
                    arguments(JSON.textNode(args.getOrDefault(i, new StringBuilder()).toString())))));
            return new Result(text.toString(), out, number(usage, "prompt_tokens"), number(usage, "completion_tokens"),
                    number(usage, "total_tokens"), finish, id, fingerprint, model);
        }
    }

    static final class AnthropicAccumulator implements Accumulator {
        private final Map<Integer, ObjectNode> blocks = new java.util.TreeMap<>();
        private final Map<Integer, StringBuilder> texts = new java.util.TreeMap<>();
        private final Map<Integer, StringBuilder> jsons = new java.util.TreeMap<>();
        private String id, model, stop;
        private Long inputTokens, outputTokens;

        @Override
        public synchronized void add(JsonNode e) {
            switch (e.path("type").asText()) {
                case "message_start" -> {
                    JsonNode m = e.path("message");
                    id = string(m, "id");
                    model = string(m, "model");
                    usage(m.path("usage"));
                }
                case "content_block_start" -> {
                    int index = e.path("index").asInt(0);
                    JsonNode b = e.path("content_block");
                    blocks.put(index, JSON.objectNode().put("type", b.path("type").asText("text"))
                            .put("id", string(b, "id")).put("name", string(b, "name")));
                    texts.computeIfAbsent(index, i -> new StringBuilder()).append(b.path("text").asText(""));
                }
                case "content_block_delta" -> {
                    int index = e.path("index").asInt(0);
                    blocks.computeIfAbsent(index, i -> JSON.objectNode().put("type", "text"));
                    JsonNode d = e.path("delta");
                    if (d.path("type").asText().equals("text_delta")) {
                        texts.computeIfAbsent(index, i -> new StringBuilder()).append(d.path("text").asText(""));
                    } else if (d.path("type").asText().equals("input_json_delta")) {
                        jsons.computeIfAbsent(index, i -> new StringBuilder()).append(d.path("partial_json").asText(""));
                    }
                }
                case "message_delta" -> {
                    if (e.path("delta").hasNonNull("stop_reason")) stop = e.path("delta").get("stop_reason").asText();
                    usage(e.path("usage"));
                }
                default -> { }
            }
        }

        private void usage(JsonNode u) {
            if (number(u, "input_tokens") != null) inputTokens = number(u, "input_tokens");
            if (number(u, "output_tokens") != null) outputTokens = number(u, "output_tokens");
        }

        @Override
        public synchronized Result result() {
            StringBuilder text = new StringBuilder();
            ArrayNode calls = JSON.arrayNode();
            blocks.forEach((i, b) -> {
                if (b.path("type").asText().equals("tool_use")) {
                    String raw = jsons.containsKey(i) ? jsons.get(i).toString() : "{}";
                    calls.addObject().put("id", string(b, "id")).put("name", string(b, "name"))
                            .set("arguments", arguments(JSON.textNode(raw.isBlank() ? "{}" : raw)));
                } else {
                    text.append(texts.getOrDefault(i, new StringBuilder()));
                }
            });
            return new Result(text.toString(), calls, inputTokens, outputTokens, null, stop, id, null, model);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The wire JSON of a provider SDK object, through that SDK's own mapper when it has one. */
    static JsonNode json(Object value) {
        if (value == null) return JSON.nullNode();
        if (value instanceof JsonNode n) return n;
        return mapperFor(value.getClass()).valueToTree(value);
    }

    private static ObjectMapper mapperFor(Class<?> type) {
        String name = type.getName();
        String[] parts = name.split("\\.");
        if (parts.length < 3) return PLAIN;
        String root = parts[0] + "." + parts[1];
        return SDK_MAPPERS.computeIfAbsent(root, r -> {
            try {
                // com.openai.core.ObjectMappers.jsonMapper(), com.anthropic.core.ObjectMappers.jsonMapper()
                Class<?> mappers = Class.forName(r + ".core.ObjectMappers", true, type.getClassLoader());
                Object m = mappers.getMethod("jsonMapper").invoke(null);
                return m instanceof ObjectMapper om ? om : PLAIN;
            } catch (ReflectiveOperationException | LinkageError e) {
                return PLAIN;
            }
        });
    }

    private static void requireObject(JsonNode answer) {
        if (!answer.isObject()) {
            throw new IllegalStateException("the answer is not a JSON object: " + answer.getNodeType());
        }
    }

    private static Method findMethod(Class<?> type, String name) {
        for (Method m : type.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == 0) return m;
        }
        return null;
    }

    private static void collectInterfaces(Class<?> c, Set<Class<?>> into) {
        for (Class<?> i : c.getInterfaces()) {
            if (into.add(i)) collectInterfaces(i, into);
        }
    }

    /** Message content as text: a string, or the text parts of a list of parts. */
    static String text(JsonNode content) {
        if (content == null || content.isNull() || content.isMissingNode()) return "";
        if (content.isTextual()) return content.textValue();
        if (content.isArray()) {
            StringBuilder s = new StringBuilder();
            for (JsonNode part : content) s.append(part.isTextual() ? part.textValue() : part.path("text").asText(""));
            return s.toString();
        }
        return content.toString();
    }

    static String lastUserText(ArrayNode messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode m = messages.get(i);
            if (m.isObject() && m.path("role").asText("user").equals("user")) return text(m.get("content"));
        }
        return "";
    }

    /** Tool-call arguments: JSON text parsed when it is JSON, kept as text otherwise. */
    static JsonNode arguments(JsonNode raw) {
        if (raw == null || raw.isNull() || raw.isMissingNode()) return JSON.objectNode();
        if (!raw.isTextual()) return raw;
        if (raw.textValue().isBlank()) return JSON.objectNode();
        try {
            return PLAIN.readTree(raw.textValue());
        } catch (java.io.IOException e) {
            return raw;
        }
    }

    private static Long number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.isNumber() ? null : v.asLong();
    }

    private static String string(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.isMissingNode() ? null : v.asText();
    }

    /** Settings of a {@link Recorder}. */
    public static final class Builder {
        private final LoopGrid grid;
        private final Provider provider;
        private String decisionType;
        private String serviceName;
        private Object prompt;
        private Object metadata;
        private boolean buffer;
        private int maxBuffer = 1000;

        private Builder(LoopGrid grid, Provider provider) {
            this.grid = Objects.requireNonNull(grid, "grid");
            this.provider = provider;
        }

        /** Default {@code chat_completion} (OpenAI) or {@code message} (Anthropic). */
        public Builder decisionType(String v) { this.decisionType = v; return this; }
        /** Overrides the grid's service name. */
        public Builder serviceName(String v) { this.serviceName = v; return this; }
        /** Merged into every recorded prompt, e.g. {@code Map.of("template", "support_v1")}. */
        public Builder prompt(Object v) { this.prompt = v; return this; }
        /** Merged into every recorded metadata. */
        public Builder metadata(Object v) { this.metadata = v; return this; }
        /** Keep decisions that failed to record and send them again later; default false. */
        public Builder buffer(boolean v) { this.buffer = v; return this; }
        /** Most decisions kept in the buffer (the oldest is dropped first); default 1000. */
        public Builder maxBuffer(int v) {
            if (v < 1) throw new IllegalArgumentException("maxBuffer must be >= 1");
            this.maxBuffer = v;
            return this;
        }

        public Recorder build() {
            return new Recorder(this);
        }
    }
}
