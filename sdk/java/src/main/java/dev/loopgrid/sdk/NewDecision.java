package dev.loopgrid.sdk;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A decision to record. {@code input}, {@code model}, {@code output}, {@code prompt} and {@code metadata} are
 * JSON objects given as anything Jackson can turn into one (a {@code Map}, a {@code JsonNode}, a record or bean);
 * {@code toolCalls} as a list of such objects.
 */
public final class NewDecision {
    final String decisionType;
    final String serviceName;
    final Object input;
    final Object model;
    final Object output;
    final Object prompt;
    final Object toolCalls;
    final Object metadata;
    final String idempotencyKey;
    final String subjectId;

    private NewDecision(Builder b) {
        this.decisionType = Objects.requireNonNull(b.decisionType, "decisionType");
        this.serviceName = b.serviceName;
        this.input = Objects.requireNonNull(b.input, "input");
        this.model = Objects.requireNonNull(b.model, "model");
        this.output = Objects.requireNonNull(b.output, "output");
        this.prompt = b.prompt;
        this.toolCalls = b.toolCalls;
        this.metadata = b.metadata;
        this.idempotencyKey = b.idempotencyKey;
        this.subjectId = b.subjectId;
    }

    public static Builder builder(String decisionType) {
        return new Builder(decisionType);
    }

    public static final class Builder {
        private final String decisionType;
        private String serviceName;
        private Object input;
        private Object model;
        private Object output;
        private Object prompt;
        private Object toolCalls;
        private Object metadata;
        private String idempotencyKey;
        private String subjectId;

        private Builder(String decisionType) {
            this.decisionType = decisionType;
        }

        /** The service (and chain) to record under; defaults to the client's service name. */
        public Builder serviceName(String v) { this.serviceName = v; return this; }
        /** Required: what the decision was made on, e.g. {@code Map.of("message", "I was charged twice")}. */
        public Builder input(Object v) { this.input = v; return this; }
        /** Required: at least provider and name; further members (temperature, …) are replayed as parameters. */
        public Builder model(Object v) { this.model = v; return this; }
        /** Shorthand for {@code model(Map.of("provider", provider, "name", name))}. */
        public Builder model(String provider, String name) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("provider", provider);
            m.put("name", name);
            this.model = m;
            return this;
        }
        /** Required: what the AI answered, e.g. {@code Map.of("response", "…")}. */
        public Builder output(Object v) { this.output = v; return this; }
        public Builder prompt(Object v) { this.prompt = v; return this; }
        public Builder toolCalls(Object v) { this.toolCalls = v; return this; }
        public Builder metadata(Object v) { this.metadata = v; return this; }
        /**
         * The Idempotency-Key to send (1..128 visible ASCII). When not set the client generates one per
         * {@code recordDecision} call, so its own retries never record twice.
         */
        public Builder idempotencyKey(String v) { this.idempotencyKey = v; return this; }
        /**
         * The data subject the decision is about: a pseudonymous id (1..128 visible ASCII), never an e-mail address.
         * The decision's content is then sealed under the subject's key, erasable with {@link LoopGrid#eraseSubject}.
         */
        public Builder subjectId(String v) { this.subjectId = v; return this; }

        public NewDecision build() {
            return new NewDecision(this);
        }
    }
}
