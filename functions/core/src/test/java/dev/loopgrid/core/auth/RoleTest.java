package dev.loopgrid.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoleTest {
    private static Set<Permission> granted(Role r) {
        Set<Permission> s = EnumSet.noneOf(Permission.class);
        for (Permission p : Permission.values()) if (r.allows(p)) s.add(p);
        return s;
    }

    @Test
    void policy_isTheDocumentedTable() {
        assertEquals(EnumSet.of(Permission.PUBLIC, Permission.RECORD, Permission.REPLAY, Permission.READ), granted(Role.WRITER));
        assertEquals(EnumSet.of(Permission.PUBLIC, Permission.READ, Permission.REVIEW), granted(Role.REVIEWER));
        assertEquals(EnumSet.of(Permission.PUBLIC, Permission.READ, Permission.AUDIT), granted(Role.AUDITOR));
        assertEquals(EnumSet.allOf(Permission.class), granted(Role.ADMIN));
    }

    @Test
    void wireNames_roundTrip_andAreExact() {
        for (Role r : Role.values()) assertEquals(r, Role.fromWire(r.wire()));
        assertNull(Role.fromWire("Admin"));
        assertNull(Role.fromWire(null));
        assertNull(Role.fromWire("root"));
    }
}
