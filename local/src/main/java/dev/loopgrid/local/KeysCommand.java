package dev.loopgrid.local;

import dev.loopgrid.aws.auth.DynamoApiKeyStore;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.auth.ApiKeyRecord;
import dev.loopgrid.core.auth.ApiKeys;
import dev.loopgrid.core.auth.Role;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code keys create|list|revoke}: manages API keys straight in the ledger table, without an API key —
 * which is how the first admin key of a tenant comes to exist. Works against the local stack's data
 * directory (server stopped), a running local stack's DynamoDB endpoint (printed at startup), or the
 * deployed table in AWS ({@code --aws}, default credentials).
 */
final class KeysCommand {
    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: java -jar loopgrid-local.jar keys create --tenant T --role R [--name N] [--quiet] [target]",
            "       java -jar loopgrid-local.jar keys list   --tenant T [target]",
            "       java -jar loopgrid-local.jar keys revoke --tenant T --key-id K [target]",
            "",
            "Roles: writer (record, replay, read), reviewer (flag, correct, read), auditor (read, verify,",
            "reports, exports), admin (everything, and the /v1/admin/keys endpoints).",
            "The key is printed once; only its SHA-256 is stored. --quiet prints just the key (for scripts).",
            "",
            "Target (where the ledger table is; default: --data-dir ./.loopgrid):",
            "  --data-dir DIR     the local stack's data directory (stop the server first)",
            "  --endpoint URL     a DynamoDB endpoint, e.g. the one a running local stack prints at startup",
            "  --aws              the table in AWS, with the default credentials and region (--region R)",
            "  --table NAME       ledger table (default loopgrid-ledger; in AWS the stack's TableName output)");

    private KeysCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) return usage(err, "keys needs an action: create, list or revoke");
        if (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.println(USAGE);
            return 0;
        }
        String action = args[0];
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--aws") || a.equals("--quiet")) {
                opts.put(a, "true");
                continue;
            }
            if (a.equals("--help") || a.equals("-h")) {
                out.println(USAGE);
                return 0;
            }
            if (!a.startsWith("--") || !java.util.Set.of("--tenant", "--role", "--name", "--key-id", "--data-dir",
                    "--endpoint", "--table", "--region").contains(a.contains("=") ? a.substring(0, a.indexOf('=')) : a)) {
                return usage(err, "unknown option \"" + a + "\"");
            }
            if (a.contains("=")) {
                opts.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            } else {
                if (i + 1 >= args.length) return usage(err, a + " needs a value");
                opts.put(a, args[++i]);
            }
        }
        String tenant = opts.get("--tenant");
        if (tenant == null) return usage(err, "--tenant is required");
        if (!ApiKeys.TENANT.matcher(tenant).matches()) {
            return usage(err, "--tenant must be 1-64 characters of a-z 0-9 . _ -, starting with a letter or digit");
        }
        int targets = (opts.containsKey("--data-dir") ? 1 : 0) + (opts.containsKey("--endpoint") ? 1 : 0)
                + (opts.containsKey("--aws") ? 1 : 0);
        if (targets > 1) return usage(err, "give one of --data-dir, --endpoint, --aws");
        String table = opts.getOrDefault("--table", Main.Options.defaults().table());
        switch (action) {
            case "create" -> {
                Role role = Role.fromWire(opts.get("--role"));
                if (role == null) return usage(err, "--role must be writer, reviewer, auditor or admin");
            }
            case "revoke" -> {
                if (opts.get("--key-id") == null) return usage(err, "--key-id is required");
            }
            case "list" -> { }
            default -> {
                return usage(err, "unknown keys action \"" + action + "\" (create, list, revoke)");
            }
        }
        EmbeddedDynamo embedded = null;
        DynamoDbClient client = null;
        try {
            if (opts.containsKey("--endpoint")) {
                client = EmbeddedDynamo.newClient(URI.create(opts.get("--endpoint")), 4);
            } else if (opts.containsKey("--aws")) {
                // explicit HTTP client: the local jar has two on its classpath
                var b = DynamoDbClient.builder().httpClient(software.amazon.awssdk.http.apache.ApacheHttpClient.create());
                if (opts.containsKey("--region")) b.region(Region.of(opts.get("--region")));
                client = b.build();
            } else {
                Path dir = Paths.get(opts.getOrDefault("--data-dir", Main.Options.defaults().dataDir().toString()));
                // DynamoDB Local prints a banner on stdout while it starts; stdout is for the key (--quiet in scripts)
                PrintStream stdout = System.out;
                System.setOut(err);
                try {
                    embedded = EmbeddedDynamo.start(dir.resolve("dynamodb").toAbsolutePath().normalize());
                } finally {
                    System.setOut(stdout);
                }
                embedded.ensureTable(table);
                client = embedded.client();
            }
            ApiKeys keys = new ApiKeys(new DynamoApiKeyStore(client, table), Clock.systemUTC());
            switch (action) {
                case "create" -> {
                    ApiKeys.Created c = keys.create(tenant, Role.fromWire(opts.get("--role")), opts.get("--name"),
                            "local-runner");
                    if (opts.containsKey("--quiet")) {
                        out.println(c.secret());
                    } else {
                        out.println("api_key:  " + c.secret());
                        out.println("key_id:   " + c.record().keyId());
                        out.println("tenant:   " + c.record().tenant());
                        out.println("role:     " + c.record().role().wire());
                        out.println("This is the only time the key is shown; LoopGrid keeps only its SHA-256.");
                        out.println("Use it as: Authorization: Bearer " + c.record().prefix() + "…  (or X-Api-Key)");
                    }
                }
                case "list" -> {
                    for (ApiKeyRecord k : keys.list(tenant)) {
                        out.println(k.keyId() + "  " + k.role().wire() + "  " + k.prefix() + "…  created " + k.createdAt()
                                + (k.revoked() ? "  REVOKED " + k.revokedAt() : "  active")
                                + (k.name() != null ? "  " + k.name() : ""));
                    }
                }
                default -> {
                    ApiKeyRecord k = keys.revoke(tenant, opts.get("--key-id"));
                    out.println("revoked " + k.keyId() + " (" + k.role().wire() + ") at " + k.revokedAt());
                }
            }
            return 0;
        } catch (LedgerException e) {
            err.println("error: " + e.detail());
            return 1;
        } catch (Exception e) {
            err.println("error: " + e.getMessage());
            return 1;
        } finally {
            if (embedded != null) embedded.close();
            else if (client != null) client.close();
        }
    }

    private static int usage(PrintStream err, String message) {
        err.println("error: " + message);
        err.println();
        err.println(USAGE);
        return 2;
    }
}
