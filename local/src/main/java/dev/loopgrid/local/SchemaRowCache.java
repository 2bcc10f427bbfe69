package dev.loopgrid.local;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.io.ContentReference;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps DynamoDB Local's parsed table schemas in memory, keyed by the exact bytes of the schema row they came from.
 *
 * <p>DynamoDB Local 3.3.1 reads a table's schema row (about 5 KB of JSON for the ledger table) and parses it with
 * Jackson inside every item read and write ({@code SQLiteDBAccessJob.getTableSchemaInfo2}; twice per put). With
 * {@link SchemaCache} answering the request-level lookups, profiling the local stack under OTLP load still put about
 * three quarters of its one SQLite thread — the thread every request waits for — in that parse.
 *
 * <p>This registers, on the static mapper those jobs parse with, a deserializer for {@code TableSchemaInfo} that
 * answers from memory when it has parsed the very same bytes before. A changed row is other bytes, so nothing stale can
 * be served. The one hazard is sharing: a kept schema is handed to every job that parses the same bytes (two tables of
 * one layout have the same row), so it must never be mutated. DynamoDB Local mutates a parsed schema only while it
 * changes a table ({@code updateTable}: indexes, TTL), and in 3.3.1 that path parses with another mapper
 * ({@code SQLiteDBAccess.MAPPER}). So that this stays true in any version, while a table-changing
 * {@code LocalDBAccess} method runs ({@link SchemaCache} brackets them with {@link #changeBegins} and
 * {@link #changeEnds}) every schema is parsed afresh and nothing parsed then is kept.
 *
 * <p>It reaches into DynamoDB Local's internals (a private static field, and Jackson's record of where a parse
 * started). When they are not as expected, nothing is installed, or the deserializer finds no bytes to key on and
 * simply parses; DynamoDB Local then behaves as shipped.
 */
final class SchemaRowCache {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRowCache.class);
    private static final String JOB = "software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteDBAccessJob";
    private static final String SCHEMA = "software.amazon.dynamodb.services.local.shared.access.sqlite.TableSchemaInfo";
    /** Distinct schema rows kept (a row is one table layout; tests create a few hundred tables of a few layouts). */
    static final int CAPACITY = 256;

    /** Even while no table changes; odd (and moving) while any change runs in this process. */
    private static final AtomicLong GENERATION = new AtomicLong();
    private static final Object CHANGE_LOCK = new Object();
    private static int changesRunning;

    private static final Map<Row, Object> ROWS = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Row, Object> eldest) {
            return size() > CAPACITY;
        }
    };
    private static final AtomicLong PARSES = new AtomicLong();
    private static volatile Boolean installed;

    private SchemaRowCache() {}

    /** Installs the deserializer once per process; true when it is in place. */
    static synchronized boolean install() {
        if (installed != null) return installed;
        installed = false;
        try {
            Class<?> schema = Class.forName(SCHEMA);
            Field f = Class.forName(JOB).getDeclaredField("MAPPER");
            f.setAccessible(true);
            if (!(f.get(null) instanceof ObjectMapper mapper)) return refused("no ObjectMapper");
            boolean mustConsume = mapper.isEnabled(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
            // the bytes a parse started from are kept in its location only with this feature
            mapper.getFactory().enable(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION);
            SimpleModule module = new SimpleModule("loopgrid-schema-rows");
            module.setDeserializerModifier(new BeanDeserializerModifier() {
                @Override
                public JsonDeserializer<?> modifyDeserializer(DeserializationConfig config, BeanDescription desc,
                                                              JsonDeserializer<?> deserializer) {
                    return desc.getBeanClass() == schema ? new Caching(deserializer, mustConsume) : deserializer;
                }
            });
            mapper.registerModule(module);
            installed = true;
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return refused(e.toString());
        }
    }

    private static boolean refused(String why) {
        LOG.warn("DynamoDB Local's schema rows are parsed on every use (its internals differ: {})", why);
        return false;
    }

    /** A table-changing call begins: until it ends, schemas are parsed afresh and none is kept. */
    static void changeBegins() {
        synchronized (CHANGE_LOCK) {
            if (changesRunning++ == 0) GENERATION.incrementAndGet(); // odd
            clear();
        }
    }

    /** A table-changing call ended (normally or not). */
    static void changeEnds() {
        synchronized (CHANGE_LOCK) {
            clear();
            if (--changesRunning == 0) GENERATION.incrementAndGet(); // even again
            else GENERATION.addAndGet(2); // still odd, but schemas read meanwhile are not kept
        }
    }

    private static void clear() {
        synchronized (ROWS) {
            ROWS.clear();
        }
    }

    /** Schema rows parsed by the deserializer since start (tests: with the cache, once per layout and change). */
    static long parses() {
        return PARSES.get();
    }

    /** Wraps DynamoDB Local's own deserializer of {@code TableSchemaInfo}. */
    private static final class Caching extends DelegatingDeserializer {
        private static final long serialVersionUID = 1L;
        private final boolean mustConsume;

        Caching(JsonDeserializer<?> delegate, boolean mustConsume) {
            super(delegate);
            this.mustConsume = mustConsume;
        }

        @Override
        protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
            return new Caching(newDelegatee, mustConsume);
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            byte[] row = wholeRow(p);
            Row key = row == null ? null : new Row(row);
            long generation = GENERATION.get();
            if (key != null && generation % 2 == 0) {
                Object known;
                synchronized (ROWS) {
                    known = ROWS.get(key);
                }
                if (known != null && GENERATION.get() == generation) {
                    if (mustConsume) p.skipChildren();
                    return known;
                }
            }
            PARSES.incrementAndGet();
            Object parsed = super.deserialize(p, ctxt);
            if (key != null && parsed != null && generation % 2 == 0) {
                synchronized (ROWS) {
                    // kept only if no change began since this parse started (a change clears under the same order)
                    if (GENERATION.get() == generation) ROWS.put(new Row(row.clone()), parsed);
                }
            }
            return parsed;
        }

        /** The bytes of the document when this object is all of it (a schema row), else null. */
        private static byte[] wholeRow(JsonParser p) {
            JsonLocation at = p.currentTokenLocation();
            if (at == null || at.getByteOffset() != 0 || p.getParsingContext().getParent() == null
                    || !p.getParsingContext().getParent().inRoot()) return null;
            ContentReference ref = at.contentReference();
            if (ref == null || !(ref.getRawContent() instanceof byte[] bytes)) return null;
            return bytes;
        }
    }

    /**
     * A schema row's bytes as a map key. Its hash is a CRC-32C, computed once: the JDK computes it with the CPU's
     * instruction, where {@code Arrays.hashCode} of a 5 KB row was a quarter of the SQLite thread's remaining time.
     */
    private record Row(byte[] bytes, int hash) {
        Row(byte[] bytes) {
            this(bytes, crc(bytes));
        }

        private static int crc(byte[] bytes) {
            CRC32C c = new CRC32C();
            c.update(bytes, 0, bytes.length);
            return (int) c.getValue();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Row r && r.hash == hash && Arrays.equals(r.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
