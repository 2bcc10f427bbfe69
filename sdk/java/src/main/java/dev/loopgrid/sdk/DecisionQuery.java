package dev.loopgrid.sdk;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Filters and paging of {@code GET /v1/decisions}. Every member is optional; the server defaults to page 1 of 20.
 * Unlike recording, listing does not default to the client's service name: without {@code serviceName} every
 * service's decisions are listed.
 */
public final class DecisionQuery {
    private final String serviceName;
    private final String decisionType;
    private final String status;
    private final Integer page;
    private final Integer pageSize;
    private final String cursor;
    private final Instant since;
    private final Instant until;

    private DecisionQuery(Builder b) {
        this.serviceName = b.serviceName;
        this.decisionType = b.decisionType;
        this.status = b.status;
        this.page = b.page;
        this.pageSize = b.pageSize;
        this.cursor = b.cursor;
        this.since = b.since;
        this.until = b.until;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** No filter: the first page of everything. */
    public static DecisionQuery all() {
        return builder().build();
    }

    public Integer pageSize() {
        return pageSize;
    }

    /** A copy reading the page after {@code cursor}. */
    DecisionQuery withCursor(String next) {
        Builder b = toBuilder();
        b.cursor = next;
        b.page = null;
        return b.build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.serviceName = serviceName;
        b.decisionType = decisionType;
        b.status = status;
        b.page = page;
        b.pageSize = pageSize;
        b.cursor = cursor;
        b.since = since;
        b.until = until;
        return b;
    }

    Map<String, String> toQuery() {
        Map<String, String> q = new LinkedHashMap<>();
        if (serviceName != null) q.put("service_name", serviceName);
        if (decisionType != null) q.put("decision_type", decisionType);
        if (status != null) q.put("status", status);
        if (page != null) q.put("page", page.toString());
        if (pageSize != null) q.put("page_size", pageSize.toString());
        if (cursor != null) q.put("cursor", cursor);
        if (since != null) q.put("since", since.toString());
        if (until != null) q.put("until", until.toString());
        return q;
    }

    public static final class Builder {
        private String serviceName;
        private String decisionType;
        private String status;
        private Integer page;
        private Integer pageSize;
        private String cursor;
        private Instant since;
        private Instant until;

        private Builder() {}

        public Builder serviceName(String v) { this.serviceName = v; return this; }
        public Builder decisionType(String v) { this.decisionType = v; return this; }
        /** {@code recorded}, {@code incorrect} or {@code corrected}. */
        public Builder status(String v) { this.status = v; return this; }
        /** 1-based page number (v0.1 paging; prefer {@link #cursor} for deep pages). */
        public Builder page(int v) { this.page = v; return this; }
        /** 1..100. */
        public Builder pageSize(int v) { this.pageSize = v; return this; }
        /** The {@code next_cursor} of the previous page. */
        public Builder cursor(String v) { this.cursor = v; return this; }
        /** Only decisions created at or after this instant. */
        public Builder since(Instant v) { this.since = v; return this; }
        /** Only decisions created before this instant. */
        public Builder until(Instant v) { this.until = v; return this; }

        public DecisionQuery build() {
            return new DecisionQuery(this);
        }
    }
}
