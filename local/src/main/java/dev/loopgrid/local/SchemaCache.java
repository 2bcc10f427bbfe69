package dev.loopgrid.local;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBRequestHandler;
import software.amazon.dynamodb.services.local.shared.access.LocalDBAccess;
import software.amazon.dynamodb.services.local.shared.access.LocalDBClient;
import software.amazon.dynamodb.services.local.shared.access.TableInfo;
import software.amazon.dynamodb.services.local.shared.jobs.JobsRegister;

/**
 * Keeps DynamoDB Local's table descriptions in memory between requests.
 *
 * <p>DynamoDB Local 3.3.1 looks a table's description up ({@code LocalDBAccess.getTableInfo}) for every item of every
 * request it validates, and each lookup is a job on its one SQLite thread that reads the table's schema row and
 * parses it with Jackson. Profiling the local stack under load put a fifth of all its CPU there, all of it on the thread
 * every other request waits for. This decorator answers {@code getTableInfo} from memory once read; every
 * {@link LocalDBAccess} method that can change a table's description (creating, deleting or updating a table, its
 * indexes, streams or TTL) empties the cache first and again after it returns, and a description read while such a
 * change ran is not kept (a generation count), so nothing stale is served after a change has returned.
 *
 * <p>It is put in place by {@link #install}, which swaps the request handler's private map of per-database handlers
 * for one that builds each handler over a caching {@code LocalDBAccess}, exactly as the handler would itself
 * otherwise, and installs {@link SchemaRowCache} (whose safety rests on this class bracketing every change). That
 * reaches into DynamoDB Local's internals: when they differ from what is expected (another version),
 * nothing is installed, a warning is logged and DynamoDB Local runs as shipped.
 */
final class SchemaCache implements InvocationHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaCache.class);

    /** The methods of {@link LocalDBAccess} that change a table's description. */
    private static final Set<String> CHANGES = Set.of("createTable", "deleteTable", "updateTable", "createGSIColumns",
            "backfillGSI", "deleteGSI", "dilateEventTimes", "findAndRolloverActiveShards");

    private final LocalDBAccess delegate;
    private final Map<String, TableInfo> tables = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private final AtomicLong reads;

    private SchemaCache(LocalDBAccess delegate, AtomicLong reads) {
        this.delegate = delegate;
        this.reads = reads;
    }

    /** {@code delegate}, answering {@code getTableInfo} from memory; {@code reads} counts the lookups it passes on. */
    static LocalDBAccess wrap(LocalDBAccess delegate, AtomicLong reads) {
        return (LocalDBAccess) Proxy.newProxyInstance(LocalDBAccess.class.getClassLoader(),
                new Class<?>[] {LocalDBAccess.class}, new SchemaCache(delegate, reads));
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        String name = m.getName();
        if (name.equals("getTableInfo") && args != null && args.length == 1 && args[0] instanceof String table) {
            TableInfo known = tables.get(table);
            if (known != null) return known;
            long before = generation.get();
            TableInfo read = (TableInfo) call(m, args);
            reads.incrementAndGet();
            if (read != null && generation.get() == before && before % 2 == 0) {
                tables.put(table, read);
                if (generation.get() != before) tables.remove(table); // a change began meanwhile
            }
            return read;
        }
        if (!CHANGES.contains(name)) return call(m, args);
        generation.incrementAndGet(); // odd while a change runs: nothing read meanwhile is kept
        tables.clear();
        SchemaRowCache.changeBegins();
        try {
            return call(m, args);
        } finally {
            SchemaRowCache.changeEnds();
            tables.clear();
            generation.incrementAndGet();
        }
    }

    private Object call(Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /**
     * Makes {@code handler} build its per-database handlers over caching {@code LocalDBAccess} instances. Returns false
     * (and changes nothing) when DynamoDB Local's internals are not as expected.
     *
     * @param reads counts the table-description lookups that reach SQLite
     */
    static boolean install(LocalDynamoDBRequestHandler handler, AtomicLong reads) {
        try {
            Class<?> c = LocalDynamoDBRequestHandler.class;
            Field map = c.getDeclaredField("dbRequestHandlers");
            Field dbFile = c.getDeclaredField("dbFileLocation");
            Field inMemory = c.getDeclaredField("runInMemory");
            Field delay = c.getDeclaredField("delayTransientStatuses");
            Method access = c.getDeclaredMethod("getDBAccess", String.class, String.class, boolean.class);
            for (var f : new java.lang.reflect.AccessibleObject[] {map, dbFile, inMemory, delay, access}) f.setAccessible(true);
            if (!(map.get(handler) instanceof Map<?, ?> existing) || !existing.isEmpty()) return refused("handler map");
            String file = (String) dbFile.get(handler);
            boolean memory = inMemory.getBoolean(handler);
            boolean delayStatuses = delay.getBoolean(handler);
            // getHandler (synchronized) asks containsKey(name) and, on false, builds a client over getDBAccess(name, …)
            // and puts it: here containsKey builds it first, the same way, over a caching access
            Map<String, Object> handlers = new HashMap<>() {
                @Override
                public boolean containsKey(Object key) {
                    if (!super.containsKey(key) && key instanceof String name) {
                        try {
                            LocalDBAccess db = (LocalDBAccess) access.invoke(null, name, file, memory);
                            put(name, new LocalDBClient(wrap(db, reads),
                                    new JobsRegister(Executors.newFixedThreadPool(10), delayStatuses)));
                        } catch (IllegalAccessException e) {
                            throw new IllegalStateException(e);
                        } catch (InvocationTargetException e) {
                            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                        }
                    }
                    return super.containsKey(key);
                }
            };
            map.set(handler, handlers);
            SchemaRowCache.install(); // its changes are bracketed by every caching access's change path above
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return refused(e.toString());
        }
    }

    private static boolean refused(String why) {
        LOG.warn("DynamoDB Local's table descriptions are not cached (its internals differ: {}); it runs as shipped", why);
        return false;
    }
}
