package dev.loopgrid.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Tests make their keys as a user would: {@code keys create --quiet} against a running stack's DynamoDB. */
public final class KeysCli {
    private KeysCli() {}

    /** The key {@code keys create --tenant T --role R --endpoint E --quiet} prints (asserted to be a LoopGrid key). */
    public static String create(String dynamoEndpoint, String tenant, String role) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"keys", "create", "--tenant", tenant, "--role", role, "--name", "bootstrap",
                "--endpoint", dynamoEndpoint, "--quiet"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        String key = out.toString(StandardCharsets.UTF_8).strip();
        assertTrue(key.matches("lg_[A-Za-z0-9_-]{43}"), key);
        return key;
    }

    public static String create(Main.Running stack, String tenant, String role) {
        return create(stack.dynamoEndpoint().toString(), tenant, role);
    }
}
