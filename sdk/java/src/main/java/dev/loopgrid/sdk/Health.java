package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code GET /health}: {@code status} is {@code healthy} when the API answers. */
public record Health(String status, String version, String service, JsonNode raw) {

    public static Health of(JsonNode n) {
        return new Health(Nodes.text(n, "status"), Nodes.text(n, "version"), Nodes.text(n, "service"), n);
    }
}
