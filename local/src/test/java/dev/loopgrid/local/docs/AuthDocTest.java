package dev.loopgrid.local.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.Routes;
import dev.loopgrid.core.auth.Permission;
import dev.loopgrid.core.auth.Role;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/auth.md against the code: its role × route table is exactly the one {@link Routes#ALL} and {@link Role}
 * define. When a route or the policy changes, this test fails and prints the new table; regenerate the section with
 * {@code mvn -B -o verify -pl functions/core,functions/aws,local -Dtest=AuthDocTest -Dsurefire.failIfNoSpecifiedTests=false -Dloopgrid.docs.update=true}.
 */
class AuthDocTest {
    /** The tests run in {@code local/}. */
    static final Path AUTH_MD = Path.of("..", "docs", "auth.md");
    static final Path README = Path.of("..", "README.md");
    static final String BEGIN = "<!-- BEGIN role-matrix: generated from Routes.ALL and Role by AuthDocTest; do not edit by hand -->";
    static final String END = "<!-- END role-matrix -->";

    /** The table: one row per route, in route table order; a column per role, ✓ where the role may call it. */
    static String roleMatrix() {
        StringBuilder sb = new StringBuilder();
        sb.append("| route | function | permission |");
        for (Role r : Role.values()) sb.append(' ').append(r.wire()).append(" |");
        sb.append('\n').append("|---|---|---|");
        for (int i = 0; i < Role.values().length; i++) sb.append(":-:|");
        sb.append('\n');
        for (Routes.Route route : Routes.ALL) {
            sb.append("| `").append(route.method()).append(' ').append(route.path()).append("` | ").append(route.name())
                    .append(" | ").append(route.permission() == Permission.PUBLIC ? "public: no key" : "`" + route.permission() + "`")
                    .append(" |");
            for (Role r : Role.values()) sb.append(' ').append(r.allows(route.permission()) ? "✓" : "—").append(" |");
            sb.append('\n');
        }
        return sb.toString();
    }

    @Test
    void roleMatrix_inDocsAuthMd_isTheOneTheCodeDefines() throws IOException {
        // given the document and the table the code defines
        String doc = Files.readString(AUTH_MD, StandardCharsets.UTF_8);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertTrue(begin >= 0 && end > begin, "docs/auth.md lacks the markers " + BEGIN + " … " + END);
        String expected = "\n" + roleMatrix();
        String actual = doc.substring(begin + BEGIN.length(), end);
        if (Boolean.getBoolean("loopgrid.docs.update") && !expected.equals(actual)) {
            Files.writeString(AUTH_MD, doc.substring(0, begin + BEGIN.length()) + expected + doc.substring(end),
                    StandardCharsets.UTF_8);
            return;
        }
        // then the document shows it, unchanged
        assertEquals(expected, actual, "docs/auth.md's role table has drifted from Routes.ALL and Role; "
                + "rerun with -Dloopgrid.docs.update=true to regenerate it. The table should be:\n" + roleMatrix());
    }

    @Test
    void authMd_namesEveryRoleHeaderAndErrorCode_andTheReadmeLinksIt() throws IOException {
        String doc = Files.readString(AUTH_MD, StandardCharsets.UTF_8);
        for (Role r : Role.values()) assertTrue(doc.contains("`" + r.wire() + "`"), r.wire());
        for (String s : List.of("Authorization: Bearer", "X-Api-Key", "WWW-Authenticate", "Retry-After", "`unauthorized`",
                "`forbidden`", "`throttled`", "`key_not_found`", "`validation_failed`", "--require-keys", "--rate",
                "--burst", "keys create", "keys list", "keys revoke", "(deploy.md)", "SHA-256")) {
            assertTrue(doc.contains(s), "docs/auth.md does not mention " + s);
        }
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        assertTrue(readme.contains("](docs/auth.md)"), "README.md does not link docs/auth.md");
    }
}
