package dev.loopgrid.aws.store;

import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.ChainKey;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Every key format of the ledger's items in the table (layout in {@link LedgerTable}): chain heads and entries, the
 * tenant's chain registry, decision projections and their index keys, idempotency claims, replays, and the verifiable
 * log's state, batches and runs. Nothing else spells a key.
 */
public final class LedgerKeys {
    /** Sort key of a chain's head item. */
    public static final String HEAD_SK = "HEAD";
    /**
     * Sort key of a chain's lease on integrating staged requests, in the staging partition: stage ids start with a digit,
     * so it sorts after every one of them.
     */
    public static final String LEASE_SK = "LEASE";
    /** Sort key of a decision's projection item. */
    public static final String DECISION_SK = "DEC";
    /** Sort key of an idempotency claim. */
    public static final String IDEMPOTENCY_SK = "IDEM";
    /** Sort key of a replay item. */
    public static final String REPLAY_SK = "REP";

    private LedgerKeys() {}

    public static String chainPk(ChainKey c) { return "CHAIN#" + c.tenant() + "#" + c.chainId(); }

    /**
     * Partition of a chain's totals item ({@link #COUNTER_TOTAL_SK}) and admitted-names items ({@code NAMES#type},
     * {@code NAMES#model}) ({@code CounterItems}): {@code CNT#<tenant>#<chain>}. The other counter groups
     * ({@code dev.loopgrid.core.decision.CounterGroups}) live one partition per family, {@link #counterPk(ChainKey,
     * String)}, so the four counter items an append transaction updates land on four keys, not one.
     */
    public static String counterPk(ChainKey c) { return "CNT#" + c.tenant() + "#" + c.chainId(); }

    /**
     * Partition of a chain's counter items of one family ({@code TYPE}, {@code MODEL}, {@code WEEK}):
     * {@code CNT#<FAMILY>#<tenant>#<chain>}, sort keys {@code TYPE#<type>}, {@code MODEL#<model label>},
     * {@code WEEK#<iso week>}. Tenants are lower case ({@code ApiKeys.TENANT}), so an upper-case family never reads as
     * a tenant. Bounded: at most {@code CounterGroups.MAX_NAMES} items for a capped family, one per week for weeks.
     */
    public static String counterPk(ChainKey c, String family) { return "CNT#" + family + "#" + c.tenant() + "#" + c.chainId(); }

    /** Sort key of a chain's totals item (entries, decisions, statuses, time to verdict, replays). */
    public static final String COUNTER_TOTAL_SK = "TOTAL";

    /** Sort key prefix of a chain's admitted-names items ({@code NAMES#type}, {@code NAMES#model}). */
    public static final String COUNTER_NAMES_SK_PREFIX = "NAMES#";

    /** An entry's sort key: zero-padded, so key order is sequence order. */
    public static String entrySk(long seq) { return String.format("E#%020d", seq); }

    /**
     * How many partitions a chain's entries are spread over: entry {@code seq} lives under {@link #entryPk}
     * {@code CHAIN#<tenant>#<chain>#<seq mod 16, two digits>}. One partition key takes at most 1,000 WCU/s on AWS and an
     * entry of a typical decision costs 4 WCU in its transaction, so one key alone would cap a chain near 250
     * appends/s; over 16 keys a chain appending 2,000/s writes ≈ 500 WCU/s to each. The sequence is dense, so an
     * entry's key stays computable from its sequence, and a range is read by one Query per partition, merged.
     */
    public static final int ENTRY_PARTITIONS = 16;

    /** The partition of entry {@code seq} of chain {@code c} (see {@link #ENTRY_PARTITIONS}). */
    public static String entryPk(ChainKey c, long seq) {
        return entryPk(c, (int) Math.floorMod(seq, (long) ENTRY_PARTITIONS));
    }

    /** Entry partition {@code partition} (0 ≤ partition &lt; {@link #ENTRY_PARTITIONS}) of chain {@code c}. */
    public static String entryPk(ChainKey c, int partition) {
        return chainPk(c) + "#" + String.format("%02d", partition);
    }

    /**
     * The chain an entry partition key belongs to ({@link #entryPk}), or null if {@code pk} is not one. Tenants never
     * hold {@code #} ({@code ApiKeys.TENANT}), and the partition suffix has a fixed width, so a chain id that holds
     * {@code #} still parses back to itself.
     */
    public static ChainKey chainOfEntryPk(String pk) {
        String prefix = "CHAIN#";
        if (pk == null || !pk.startsWith(prefix) || pk.length() < prefix.length() + 5) return null;
        String suffix = pk.substring(pk.length() - 3);
        if (suffix.charAt(0) != '#' || !digit(suffix.charAt(1)) || !digit(suffix.charAt(2))
                || Integer.parseInt(suffix.substring(1)) >= ENTRY_PARTITIONS) {
            return null;
        }
        String rest = pk.substring(prefix.length(), pk.length() - 3);
        int hash = rest.indexOf('#');
        if (hash <= 0 || hash == rest.length() - 1) return null;
        return new ChainKey(rest.substring(0, hash), rest.substring(hash + 1));
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    /**
     * A chain's staging area: requests stored by their writers, waiting to be appended by whichever writer next wins the
     * head ({@code Ledger}'s staged mode). Sort key: the stage id (staging time first, so key order is arrival order).
     * This key holds the chain's lease ({@link #LEASE_SK}); the requests are spread over {@link #DEFAULT_STAGE_PARTITIONS}
     * keys below it (or as many as the deployment says).
     */
    public static String stagePk(ChainKey c) { return "STAGE#" + c.tenant() + "#" + c.chainId(); }

    /**
     * How many partitions a chain's staged requests are spread over unless the deployment says otherwise
     * ({@code LOOPGRID_STAGE_PARTITIONS}, 1..{@value #MAX_STAGE_PARTITIONS}): request {@code stageId} lives under
     * {@code STAGE#<tenant>#<chain>#<two digits>} ({@link #stagePartition}); the chain's lease stays alone under
     * {@link #stagePk(ChainKey)}. A staged request is put and then deleted (≈ 6 WCU for a typical decision), so one key
     * caps a chain near 166 staged appends/s on AWS; over 24 keys a chain staging 2,000/s writes ≈ 500 WCU/s to each.
     * The lease holder reads the partitions its chain's rate needs (one Query each, in parallel; every partition once
     * every sixteenth batch: the staging width, {@code StagingWidth}) and appends the oldest.
     */
    public static final int DEFAULT_STAGE_PARTITIONS = 24;

    /**
     * Staged requests per second one staging partition takes at half its key's 1,000 WCU/s (≈ 6 WCU each): how many
     * partitions a chain stages in follows its rate ({@code StagingWidth}).
     */
    public static final int STAGED_PER_PARTITION = 80;

    /** The most staging partitions a deployment may use (two digits in the key, and one Query each per batch). */
    public static final int MAX_STAGE_PARTITIONS = 32;

    /**
     * The staging partition of {@code stageId} among {@code partitions}: a hash of its prefix, the id up to its last
     * {@code #} (the part one call's requests share, whose random tail spreads calls evenly), so that a call's
     * requests share a partition and a writer can draw a prefix that lands where the lease holder reads.
     */
    public static int stagePartition(String stageId, int partitions) {
        int cut = stageId.lastIndexOf('#');
        return Math.floorMod((cut < 0 ? stageId : stageId.substring(0, cut)).hashCode(), partitions);
    }

    /** Staging partition {@code partition} (0 ≤ partition &lt; the deployment's count) of chain {@code c}. */
    public static String stagePk(ChainKey c, int partition) {
        return stagePk(c) + "#" + String.format("%02d", partition);
    }

    public static Map<String, AttributeValue> staged(ChainKey c, String stageId, int partitions) {
        return key(stagePk(c, stagePartition(stageId, partitions)), stageId);
    }

    public static String registryPk(String tenant) { return "TENANT#" + tenant; }

    public static String registrySk(String chainId) { return "CHAIN#" + chainId; }

    public static String decisionPk(String tenant, String id) { return "DEC#" + tenant + "#" + id; }

    public static String idempotencyPk(String tenant, String key) { return "IDEM#" + tenant + "#" + key; }

    public static String replayPk(String tenant, String replayId) { return LedgerTable.REPLAY_PREFIX + tenant + "#" + replayId; }

    /**
     * Partition of a decision's replay references: {@code REP#<tenant>#<decision id>} (decision ids start
     * {@code dec_}, replay ids {@code rep_}, so it never meets a replay item). Under the replay prefix on purpose: the
     * function that creates replays may write {@code REP#*} items only (least privilege), and the reference is
     * written in the same transaction as the replay item.
     */
    public static String replayRefPk(String tenant, String decisionId) { return LedgerTable.REPLAY_PREFIX + tenant + "#" + decisionId; }

    /** Sort key prefix of replay references. */
    public static final String REPLAY_REF_SK_PREFIX = "REF#";

    /** A replay reference's sort key: creation time, then the replay id (key order = creation order). */
    public static String replayRefSk(String createdAt, String replayId) { return REPLAY_REF_SK_PREFIX + createdAt + "#" + replayId; }

    public static Map<String, AttributeValue> replayRef(String tenant, String decisionId, String createdAt, String replayId) {
        return key(replayRefPk(tenant, decisionId), replayRefSk(createdAt, replayId));
    }

    /**
     * Prefix of the partitions of the index of open (not yet finished) replays of every tenant: {@code REP#open#00} …
     * {@code #15} ({@link #REPLAY_OPEN_SHARDS}), the replay's shard by its id ({@link #indexShard}), so that no one key
     * carries every tenant's replay creations (a key takes 1,000 WCU/s; an open replay is written twice, put and
     * deleted). A replay item's key {@code REP#<tenant>#rep_…} and a decision's replay references
     * {@code REP#<tenant>#dec_…} never meet these (ids start {@code rep_} and {@code dec_}; a shard is two digits), but
     * those of a tenant called {@code open} do start {@code REP#open#}: so IAM names the shards exactly, never by a
     * wildcard. Under the replay prefix so the function creating replays writes its entry (same transaction, same
     * {@code REP#*} permission). Written once per replay created, read by the recovery sweep (ReplayRecovery) a page at a time, its
     * shards merged in creation order.
     */
    public static final String REPLAY_OPEN_PK = LedgerTable.REPLAY_PREFIX + "open";

    /** Partitions of the index of open replays. */
    public static final int REPLAY_OPEN_SHARDS = 16;

    /** The partition of the index of open replays that holds {@code replayId}'s entry. */
    public static String replayOpenPk(String replayId) {
        return replayOpenPk(indexShard(replayId, REPLAY_OPEN_SHARDS));
    }

    private static String replayOpenPk(int shard) {
        return String.format("%s#%02d", REPLAY_OPEN_PK, shard);
    }

    /** Every partition of the index of open replays, in shard order. */
    public static java.util.List<String> replayOpenPks() {
        java.util.List<String> out = new java.util.ArrayList<>(REPLAY_OPEN_SHARDS);
        for (int i = 0; i < REPLAY_OPEN_SHARDS; i++) out.add(replayOpenPk(i));
        return out;
    }

    /** Sort key prefix of open-replay entries. */
    public static final String REPLAY_OPEN_SK_PREFIX = "OPEN#";

    /** An open replay's sort key: creation time first (key order = creation order), then tenant and id. */
    public static String replayOpenSk(String createdAt, String tenant, String replayId) {
        return REPLAY_OPEN_SK_PREFIX + createdAt + "#" + tenant + "#" + replayId;
    }

    public static Map<String, AttributeValue> replayOpen(String createdAt, String tenant, String replayId) {
        return key(replayOpenPk(replayId), replayOpenSk(createdAt, tenant, replayId));
    }

    /**
     * A decision's shard of an index with {@code shards} partition key values: the first 32 bits of SHA-256 of its id
     * (UTF-8), unsigned, modulo {@code shards}. A function of the id alone, so a status change finds the shard the
     * decision was written to, and a cursor's decision can be checked against its index item. In a shell:
     * {@code printf %s dec_… | sha256sum}, the first 8 hex digits modulo the count.
     */
    public static int indexShard(String decisionId, int shards) {
        return (int) (Long.parseLong(Canonical.sha256Hex(decisionId).substring(0, 8), 16) % shards);
    }

    /**
     * Partition key values of the decision indexes ({@link LedgerTable#INDEXES}): the list's value, then {@code #} and
     * the shard in two digits. Fixed width, so the value stays unambiguous when a service or type name holds a
     * {@code #}: its last three characters are always the shard.
     */
    public static String byTenant(String tenant, int shard) { return tenant + shardSuffix(shard); }

    public static String byService(String tenant, String service, int shard) { return tenant + "#" + service + shardSuffix(shard); }

    public static String byType(String tenant, String decisionType, int shard) { return tenant + "#" + decisionType + shardSuffix(shard); }

    public static String byStatus(String tenant, String status, int shard) { return tenant + "#" + status + shardSuffix(shard); }

    private static String shardSuffix(int shard) {
        if (shard < 0 || shard > 99) throw new IllegalArgumentException("index shard out of 00..99: " + shard);
        return shard < 10 ? "#0" + shard : "#" + shard;
    }

    /** The indexes' sort key: newest first by creation time, the id breaking ties. */
    public static String listSortKey(String createdAt, String decisionId) { return createdAt + "#" + decisionId; }

    /** A tenant's log: its state item and its sequencing batches. */
    public static String logPk(String tenant) { return "LOG#" + tenant; }

    public static final String LOG_STATE_SK = "STATE";

    /** A log batch's sort key: zero-padded first leaf index, so key order is log order. */
    public static String logBatchSk(long fromIndex) { return String.format("B#%020d", fromIndex); }

    /**
     * A log batch's own item (its runs and leaf hashes, ≈ 40 KB for 1,000 entries) under a partition key of its own,
     * {@code LOG#<tenant>#B#<from index>}: the tenant's log partition keeps only the state and a small pointer per batch
     * ({@link #logBatchSk}), so a tenant integrating 20,000 entries/s writes ≈ 160 WCU/s there, not ≈ 1,700.
     */
    public static String logBatchPk(String tenant, long fromIndex) { return logPk(tenant) + "#" + logBatchSk(fromIndex); }

    /** Sort key of a log batch's own item ({@link #logBatchPk}). */
    public static final String LOG_BATCH_SK = "BATCH";

    /** A chain's runs in the log (how far it is integrated, and where each entry is). */
    public static String logRunPk(String tenant, String chainId) { return "LOGRUN#" + tenant + "#" + chainId; }

    public static String logRunSk(long fromSequence) { return String.format("R#%020d", fromSequence); }

    /** A data subject's item: their wrapped data key, services, last use, erasure or schedule. */
    public static String subjectPk(String tenant, String subjectId) { return "SUBJECT#" + tenant + "#" + subjectId; }

    public static final String SUBJECT_SK = "KEY";

    /** A tenant's lifecycle state: hold version and retention floor. */
    public static String lifecyclePk(String tenant) { return "LIFECYCLE#" + tenant; }

    public static final String LIFECYCLE_SK = "STATE";

    /** A tenant's holds in place, one item each under one partition. */
    public static String holdsPk(String tenant) { return "HOLDS#" + tenant; }

    public static String holdSk(String holdId) { return "HOLD#" + holdId; }

    /** Scheduled erasures of every tenant, sorted by when they run (few: one per scheduled subject). */
    public static final String ERASURE_DUE_PK = "ERASURE_DUE";

    public static String erasureDueSk(String runAt, String tenant, String subjectId) {
        return runAt + "#" + tenant + "#" + subjectId;
    }

    public static Map<String, AttributeValue> subject(String tenant, String subjectId) {
        return key(subjectPk(tenant, subjectId), SUBJECT_SK);
    }

    public static Map<String, AttributeValue> lifecycle(String tenant) { return key(lifecyclePk(tenant), LIFECYCLE_SK); }

    public static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(LedgerTable.PK, AttributeValue.fromS(pk), LedgerTable.SK, AttributeValue.fromS(sk));
    }

    public static Map<String, AttributeValue> head(ChainKey c) { return key(chainPk(c), HEAD_SK); }

    public static Map<String, AttributeValue> lease(ChainKey c) { return key(stagePk(c), LEASE_SK); }

    public static Map<String, AttributeValue> entry(ChainKey c, long seq) { return key(entryPk(c, seq), entrySk(seq)); }

    public static Map<String, AttributeValue> decision(String tenant, String id) { return key(decisionPk(tenant, id), DECISION_SK); }

    public static Map<String, AttributeValue> idempotency(String tenant, String k) { return key(idempotencyPk(tenant, k), IDEMPOTENCY_SK); }

    public static Map<String, AttributeValue> replay(String tenant, String replayId) { return key(replayPk(tenant, replayId), REPLAY_SK); }
}
