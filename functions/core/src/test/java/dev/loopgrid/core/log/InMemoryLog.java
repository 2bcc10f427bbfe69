package dev.loopgrid.core.log;

import dev.loopgrid.core.ledger.StoreException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The log's three stores in memory, with the adapters' semantics (test scope). */
final class InMemoryLog implements LogStore, TileStore, SignedCheckpoints {
    private final Map<String, LogState> states = new HashMap<>();
    private final Map<String, TreeMap<Long, LogBatch>> batches = new HashMap<>();
    private final Map<String, TreeMap<Long, Run>> runs = new HashMap<>(); // tenant#chain → fromSequence → run
    final Map<String, byte[]> objects = new HashMap<>(); // tenant/path
    final Map<String, TreeMap<Long, byte[]>> signed = new HashMap<>();
    int commits;

    @Override
    public synchronized LogState state(String tenant) {
        return states.getOrDefault(tenant, LogState.EMPTY);
    }

    @Override
    public synchronized Optional<Run> lastRun(String tenant, String chainId) {
        TreeMap<Long, Run> r = runs.get(tenant + "#" + chainId);
        return r == null || r.isEmpty() ? Optional.empty() : Optional.of(r.lastEntry().getValue());
    }

    @Override
    public synchronized Optional<Run> runOf(String tenant, String chainId, long sequence) {
        TreeMap<Long, Run> r = runs.get(tenant + "#" + chainId);
        if (r == null) return Optional.empty();
        Map.Entry<Long, Run> e = r.floorEntry(sequence);
        return e == null || e.getValue().toSequence() < sequence ? Optional.empty() : Optional.of(e.getValue());
    }

    @Override
    public synchronized void commit(String tenant, LogState expected, LogBatch batch, LogState next) {
        if (state(tenant).size() != expected.size()) throw new StoreException.HeadMoved("log moved", null);
        for (Run r : batch.runs()) {
            TreeMap<Long, Run> m = runs.get(tenant + "#" + r.chainId());
            if (m != null && m.containsKey(r.fromSequence())) throw new StoreException.HeadMoved("run taken", null);
        }
        commits++;
        batches.computeIfAbsent(tenant, t -> new TreeMap<>()).put(batch.fromIndex(), batch);
        for (Run r : batch.runs()) runs.computeIfAbsent(tenant + "#" + r.chainId(), t -> new TreeMap<>()).put(r.fromSequence(), r);
        LogState cur = state(tenant);
        states.put(tenant, new LogState(next.size(), next.range(), cur.tiledSize(), cur.checkpointSize(), cur.checkpointAt()));
    }

    @Override
    public synchronized void markTiled(String tenant, long size) {
        LogState s = state(tenant);
        if (size > s.tiledSize()) states.put(tenant, new LogState(s.size(), s.range(), size, s.checkpointSize(), s.checkpointAt()));
    }

    @Override
    public synchronized void markCheckpointed(String tenant, long size, long atMillis) {
        LogState s = state(tenant);
        if (size > s.checkpointSize()) states.put(tenant, new LogState(s.size(), s.range(), s.tiledSize(), size, atMillis));
    }

    @Override
    public synchronized Iterator<LogBatch> batches(String tenant, long fromIndex) {
        TreeMap<Long, LogBatch> b = batches.getOrDefault(tenant, new TreeMap<>());
        Long first = b.floorKey(fromIndex);
        return new ArrayList<>(b.tailMap(first == null ? fromIndex : first, true).values()).iterator();
    }

    /** Deletes the tenant's batches from {@code fromIndex} on (an insider's write). */
    synchronized void dropBatchesFrom(String tenant, long fromIndex) {
        batches.getOrDefault(tenant, new TreeMap<>()).tailMap(fromIndex, true).clear();
    }

    @Override
    public synchronized Optional<byte[]> get(String tenant, String path) {
        return Optional.ofNullable(objects.get(tenant + "/" + path)).map(byte[]::clone);
    }

    @Override
    public synchronized void put(String tenant, String path, byte[] bytes) {
        objects.put(tenant + "/" + path, bytes.clone());
    }

    @Override
    public synchronized void put(String tenant, long size, byte[] signedNote) {
        TreeMap<Long, byte[]> m = signed.computeIfAbsent(tenant, t -> new TreeMap<>());
        byte[] had = m.get(size);
        if (had != null && !Arrays.equals(had, signedNote)) {
            throw new IllegalStateException("a different checkpoint at size " + size + " is kept already");
        }
        m.put(size, signedNote.clone());
    }

    @Override
    public synchronized Optional<byte[]> get(String tenant, long size) {
        return Optional.ofNullable(signed.getOrDefault(tenant, new TreeMap<>()).get(size));
    }

    @Override
    public synchronized List<Long> sizes(String tenant, long fromSize) {
        return new ArrayList<>(signed.getOrDefault(tenant, new TreeMap<>()).tailMap(fromSize, true).keySet());
    }
}
