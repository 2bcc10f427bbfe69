package dev.loopgrid.core.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The role an API key carries. The table below is the whole authorization policy (docs/auth.md prints it
 * per route):
 *
 * <pre>
 *            RECORD REPLAY READ REVIEW AUDIT MANAGE_KEYS LIFECYCLE
 * writer       x      x     x
 * reviewer                  x     x
 * auditor                   x            x
 * admin        x      x     x     x      x       x          x
 * </pre>
 *
 * A writer reads decisions and replays because creating a replay answers 202 with a {@code Location} to poll
 * and the SDKs read back what they recorded; it cannot flag, correct, verify, report or export.
 */
public enum Role {
    WRITER(EnumSet.of(Permission.RECORD, Permission.REPLAY, Permission.READ)),
    REVIEWER(EnumSet.of(Permission.READ, Permission.REVIEW)),
    AUDITOR(EnumSet.of(Permission.READ, Permission.AUDIT)),
    ADMIN(EnumSet.complementOf(EnumSet.of(Permission.PUBLIC)));

    private final Set<Permission> granted;

    Role(Set<Permission> granted) {
        this.granted = granted;
    }

    public boolean allows(Permission p) {
        return p == Permission.PUBLIC || granted.contains(p);
    }

    /** The wire name: {@code writer}, {@code reviewer}, {@code auditor}, {@code admin}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role with this wire name, or null. */
    public static Role fromWire(String s) {
        if (s == null) return null;
        for (Role r : values()) if (r.wire().equals(s)) return r;
        return null;
    }
}
