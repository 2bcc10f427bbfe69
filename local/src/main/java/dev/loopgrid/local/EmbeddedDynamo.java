package dev.loopgrid.local;

import dev.loopgrid.aws.store.LedgerTable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.dynamodb.services.local.main.CommandLineInput;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBServerHandler;

/**
 * DynamoDB Local running inside this JVM, spoken to over HTTP by the real AWS SDK, exactly as the
 * functions speak to DynamoDB in AWS. Data persists under a directory, or lives in memory.
 */
public final class EmbeddedDynamo implements AutoCloseable {
    private final DynamoDBProxyServer server;
    private final URI endpoint;
    private final DynamoDbClient client;

    private final DurableRequestHandler handler;

    private EmbeddedDynamo(DynamoDBProxyServer server, DurableRequestHandler handler, int port) {
        this.handler = handler;
        this.server = server;
        this.endpoint = URI.create("http://127.0.0.1:" + port);
        this.client = newClient(endpoint, 128);
    }

    /**
     * Starts DynamoDB Local on a free port.
     *
     * @param dataDir where the database file lives, or null to keep everything in memory
     */
    public static EmbeddedDynamo start(Path dataDir) throws Exception {
        if (dataDir != null) Files.createDirectories(dataDir);
        Exception last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            String[] args = dataDir == null
                    ? new String[] {"-inMemory", "-port", Integer.toString(port), "-disableTelemetry"}
                    : new String[] {"-sharedDb", "-dbPath", dataDir.toAbsolutePath().toString(),
                                    "-port", Integer.toString(port), "-disableTelemetry"};
            try {
                Class.forName(ServerRunner.class.getName()); // its static set-up: Jetty and sqlite4java log levels
                CommandLineInput in = new CommandLineInput(args);
                if (!in.init()) throw new IllegalArgumentException("DynamoDB Local rejected " + String.join(" ", args));
                DurableRequestHandler handler = new DurableRequestHandler(in.isInMemory(), in.getDbPath(),
                        in.getSharedDb(), in.shouldDelayTransientStatuses());
                DynamoDBProxyServer server = createServer(in, handler);
                try {
                    server.start();
                } catch (Exception e) {
                    handler.shutdown();
                    throw e;
                }
                return new EmbeddedDynamo(server, handler, port);
            } catch (Exception e) {
                last = e; // the port was taken between probe and bind: try another
            }
        }
        throw last;
    }

    /**
     * What {@code ServerRunner.createServerFromCommandLineArgs} builds, from the same parsed command line, but over
     * {@link DurableRequestHandler}: a transaction is answered only once SQLite has committed it (DynamoDB Local 3.3.1
     * answers while the commit is still queued, so a {@code kill -9} could lose an acknowledged transaction).
     * Telemetry stays off: it is never configured.
     */
    private static DynamoDBProxyServer createServer(CommandLineInput in, DurableRequestHandler handler) {
        return new DynamoDBProxyServer(in.getPort(), new LocalDynamoDBServerHandler(handler, in.getCorsParams()));
    }

    /** The request handler (tests: whether table descriptions are cached, and how often they were read). */
    DurableRequestHandler handler() {
        return handler;
    }

    /** A client for an endpoint, with the Apache HTTP client (4-5× faster locally than URLConnection). */
    public static DynamoDbClient newClient(URI endpoint, int maxConnections) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(ApacheHttpClient.builder()
                        .maxConnections(maxConnections)
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(30))
                        .build())
                .build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    public DynamoDbClient client() {
        return client;
    }

    /** Creates the ledger table if it does not exist yet. */
    public void ensureTable(String name) {
        try {
            client.describeTable(b -> b.tableName(name));
        } catch (ResourceNotFoundException e) {
            try {
                client.createTable(LedgerTable.createTableRequest(name));
            } catch (ResourceInUseException raced) {
                // created meanwhile
            }
        }
    }

    /**
     * Every tenant with a chain in the table (their chain registries, {@code TENANT#…}): a Scan, for the local
     * integrator's catch-up after a restart; its cost grows with the table, which is fine on a laptop.
     */
    public java.util.List<String> tenants(String table) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        java.util.Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> start = null;
        do {
            var startKey = start;
            var r = client.scan(b -> {
                b.tableName(table).filterExpression("begins_with(pk, :p)").projectionExpression("pk")
                        .expressionAttributeValues(java.util.Map.of(":p",
                                software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("TENANT#")));
                if (startKey != null) b.exclusiveStartKey(startKey);
            });
            r.items().forEach(i -> out.add(i.get("pk").s().substring("TENANT#".length())));
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return new java.util.ArrayList<>(out);
    }

    /** Deletes and re-creates the table (tests). */
    public void resetTable(String name) {
        try {
            client.deleteTable(b -> b.tableName(name));
        } catch (ResourceNotFoundException e) {
            // absent
        }
        client.createTable(LedgerTable.createTableRequest(name));
    }

    @Override
    public void close() {
        client.close();
        try {
            server.stop();
        } catch (Exception e) {
            // stopping a server that is going away anyway
        }
    }
}
