package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The tenant's retention floor ({@code /v1/retention}): an erasure of a subject whose latest decision is younger is
 * scheduled, not run.
 *
 * @param floorDays    the floor in days (0..36500)
 * @param defaultFloor true when the tenant never set one (the deployment's default, 180 days unless configured)
 */
public record Retention(long floorDays, boolean defaultFloor, JsonNode raw) {

    public static Retention of(JsonNode n) {
        Long days = Nodes.number(n, "floor_days");
        return new Retention(days == null ? 0 : days, Nodes.bool(n, "default"), n);
    }
}
