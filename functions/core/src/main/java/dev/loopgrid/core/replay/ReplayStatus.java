package dev.loopgrid.core.replay;

/** {@code pending → running → completed | failed}. */
public enum ReplayStatus {
    PENDING("pending"), RUNNING("running"), COMPLETED("completed"), FAILED("failed");

    private final String wire;

    ReplayStatus(String wire) { this.wire = wire; }

    public String wire() { return wire; }

    public static ReplayStatus fromWire(String s) {
        for (ReplayStatus r : values()) if (r.wire.equals(s)) return r;
        throw new IllegalArgumentException("unknown replay status " + s);
    }
}
