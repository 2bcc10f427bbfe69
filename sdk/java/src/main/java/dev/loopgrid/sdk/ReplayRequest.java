package dev.loopgrid.sdk;

import java.util.Objects;

/**
 * A replay to create. Overrides merge into the recorded decision on the server: {@code model} and
 * {@code prompt} key by key, {@code input} replaces. Each is anything Jackson can turn into a JSON object.
 */
public final class ReplayRequest {
    final String decisionId;
    final Object overrides;
    final Object prompt;
    final Object model;
    final Object input;
    final String triggeredBy;

    private ReplayRequest(Builder b) {
        this.decisionId = Objects.requireNonNull(b.decisionId, "decisionId");
        this.overrides = b.overrides;
        this.prompt = b.prompt;
        this.model = b.model;
        this.input = b.input;
        this.triggeredBy = b.triggeredBy;
    }

    public static Builder builder(String decisionId) {
        return new Builder(decisionId);
    }

    public static final class Builder {
        private final String decisionId;
        private Object overrides;
        private Object prompt;
        private Object model;
        private Object input;
        private String triggeredBy;

        private Builder(String decisionId) {
            this.decisionId = decisionId;
        }

        /** The whole {@code overrides} object ({prompt, model, input}); members set below take precedence. */
        public Builder overrides(Object v) { this.overrides = v; return this; }
        public Builder prompt(Object v) { this.prompt = v; return this; }
        public Builder model(Object v) { this.model = v; return this; }
        public Builder input(Object v) { this.input = v; return this; }
        /** Who asked for the replay; the server defaults to {@code sdk}. */
        public Builder triggeredBy(String v) { this.triggeredBy = v; return this; }

        public ReplayRequest build() {
            return new ReplayRequest(this);
        }
    }
}
