package dev.loopgrid.cdk;

import dev.loopgrid.aws.Routes;
import dev.loopgrid.aws.auth.DynamoApiKeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;

/**
 * The IAM statements a function gets on the ledger table, derived from its {@link Routes.Access} (or, for the
 * key authorizer, {@link #authorizer}). Written out action by action on purpose: no wildcard actions, no
 * {@code grantReadWriteData} (which would add DeleteItem, BatchWriteItem, Scan and DescribeTable that no handler uses).
 *
 * <ul>
 *   <li>NONE: nothing.</li>
 *   <li>READ: {@code GetItem}, {@code Query}, {@code BatchGetItem} on the table and its indexes.</li>
 *   <li>ENQUEUE (creating a replay): READ plus {@code PutItem} and {@code UpdateItem} on the table only, and only
 *       on replay items: a {@code dynamodb:LeadingKeys} condition limits the partition key to
 *       {@value #REPLAY_KEY_PATTERN} (the store's {@code ReplayItems} key {@code REP#tenant#id}), so creating a
 *       replay can never overwrite a ledger item. No transactions. (Sending to the replay queue is granted by the
 *       API construct.)</li>
 *   <li>APPEND: READ plus, on the table only, the writes an append transaction is made of (chain head, entries,
 *       the chain's counter items {@code CNT#<tenant>#<chain>}, projections, idempotency claims: no key prefix
 *       condition, so every one of them is covered). DynamoDB
 *       authorizes each action inside {@code TransactWriteItems} by the matching single-item action
 *       ({@code Put} by {@code PutItem}, {@code Update} by {@code UpdateItem}, {@code ConditionCheck} by
 *       {@code ConditionCheckItem}): https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html.
 *       {@code dynamodb:TransactWriteItems} is listed as well so that "may append" is one greppable
 *       action in the template and the template tests can pin it to the appending functions. Plus
 *       {@code BatchWriteItem} and {@code DeleteItem} on staging items only ({@value #STAGE_KEY_PATTERN}, by a
 *       {@code dynamodb:LeadingKeys} condition): the ledger's staged mode stages batches and removes what it appends
 *       from staging.</li>
 *   <li>REPORT (compliance reports and exports): READ plus {@code PutItem} on the table only, and only on
 *       verification checkpoint items: a {@code dynamodb:LeadingKeys} condition limits the partition key to
 *       {@value #CHECKPOINT_KEY_PATTERN} ({@code DynamoCheckpointStore}'s {@code VERIFIED#tenant#chain}), so a report
 *       can remember how far it verified but never touch a ledger entry or head. (Objects under {@code reports/} in
 *       the reports bucket are granted by the API construct, from {@link ReportsBucketConstruct}.)</li>
 *   <li>LOG (the log's receipts, checkpoint, consistency proofs, tiles and key): READ. The log's items
 *       ({@value #LOG_KEY_PATTERN}, {@value #LOG_RUN_KEY_PATTERN}) are table items, so READ covers them; the log's
 *       buckets and key are granted by {@link VerifiableLogConstruct#grantRead}.</li>
 *   <li>the log's integrator ({@link #integrator}): READ (it reads the chains whatever a stream batch lacks) plus
 *       {@code TransactWriteItems}, {@code PutItem}, {@code UpdateItem} on the table only, and only on the log's items:
 *       a {@code dynamodb:LeadingKeys} condition limits the partition keys to {@value #LOG_KEY_PATTERN} and
 *       {@value #LOG_RUN_KEY_PATTERN} ({@code DynamoLogStore}), so integrating can never touch a chain, a projection
 *       or a key item.</li>
 *   <li>VERIFY (full verification): READ plus {@code PutItem} on verification checkpoint items only, as REPORT
 *       but without the reports bucket: a full walk moves each chain's checkpoint, so the next report re-hashes only
 *       what came after it.</li>
 *   <li>LIFECYCLE (erasure, holds, retention, and the lifecycle sweep): APPEND's actions (appends to the tenant's
 *       lifecycle chain, with their hold, retention, schedule and subject items), plus {@code DeleteItem} on the table
 *       only and only on released holds and done or moved erasure schedules ({@code HOLDS#*}, {@code ERASURE_DUE}).
 *       The only levels without a Deny on data subjects' items ({@link #subjectItemStatements}): erasure removes the
 *       wrapped data key.</li>
 *   <li>KEYS (the admin key endpoints): {@code GetItem}, {@code Query}, {@code PutItem}, {@code UpdateItem} on the
 *       table only, and only on API key items ({@value #KEY_HASH_PATTERN}, {@value #KEY_TENANT_PATTERN}:
 *       {@code DynamoApiKeyStore}). Creating and revoking a key are transactions of two Puts / two Updates, authorized
 *       item by item like appends, so no {@code TransactWriteItems} and nothing on ledger items or indexes.</li>
 *   <li>the key authorizer ({@link #authorizer}): {@code GetItem} on the table, only on {@value #KEY_HASH_PATTERN}.</li>
 * </ul>
 *
 * Every level that reads or writes ledger items (READ, ENQUEUE, APPEND, REPORT, VERIFY, LOG, and the integrator) also gets an explicit Deny of
 * its item actions on API key items ({@value #KEY_HASH_PATTERN}, {@value #KEY_TENANT_PATTERN}). Their Allow
 * statements name the whole table, so without it a READ function could read key records (a hash is no key, but
 * the records name tenants, roles and revocations) and an APPEND function could write one — i.e. mint an admin key.
 * The Deny uses {@code ForAnyValue:StringLike}: it applies as soon as one of the request's partition keys is a key
 * item, and not at all to requests that carry no partition key.
 */
public final class LedgerAccess {
    public static final List<String> READ_ACTIONS = List.of(
            "dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem");
    /** Partition keys of replay items ({@code dev.loopgrid.aws.store.ReplayItems}: {@code REP#<tenant>#<replay id>}). */
    public static final String REPLAY_KEY_PATTERN = dev.loopgrid.aws.store.LedgerTable.REPLAY_PREFIX + "*";
    public static final List<String> ENQUEUE_ACTIONS = List.of("dynamodb:PutItem", "dynamodb:UpdateItem");
    /** Partition keys of verification checkpoints ({@code dev.loopgrid.aws.reports.DynamoCheckpointStore}). */
    public static final String CHECKPOINT_KEY_PATTERN = dev.loopgrid.aws.reports.DynamoCheckpointStore.PREFIX + "*";
    public static final List<String> CHECKPOINT_ACTIONS = List.of("dynamodb:PutItem");
    public static final List<String> APPEND_ACTIONS = List.of(
            "dynamodb:TransactWriteItems", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem");
    /**
     * Partition keys of chains' staging areas ({@code STAGE#<tenant>#<chain>}: staged requests and the chain's lease,
     * the ledger's staged mode). A batch's writer stages its requests with BatchWriteItem, appending removes what it
     * appends from there, a writer withdraws its own requests and releases the lease: BatchWriteItem and DeleteItem on
     * these items only.
     */
    public static final String STAGE_KEY_PATTERN = stagePrefix() + "*";
    public static final List<String> STAGING_ACTIONS = List.of("dynamodb:BatchWriteItem", "dynamodb:DeleteItem");
    /** Partition keys of API key records by hash ({@code APIKEY#<sha256>}): what the authorizer reads. */
    public static final String KEY_HASH_PATTERN = DynamoApiKeyStore.BY_HASH + "*";
    /** Partition keys of a tenant's key list ({@code KEYS#<tenant>}). */
    public static final String KEY_TENANT_PATTERN = DynamoApiKeyStore.BY_TENANT + "*";
    public static final List<String> KEYS_ACTIONS = List.of(
            "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem");
    /** Partition keys of a tenant's log state and batches ({@code LOG#<tenant>}, {@code DynamoLogStore}). */
    public static final String LOG_KEY_PATTERN = dev.loopgrid.aws.store.LedgerKeys.logPk("") + "*";
    /** Partition keys of a chain's runs in the log ({@code LOGRUN#<tenant>#<chain>}). */
    public static final String LOG_RUN_KEY_PATTERN = logRunPrefix() + "*";
    /** What the integrator does with the log's items: one transaction per commit, forward-only state updates. */
    public static final List<String> LOG_WRITE_ACTIONS = List.of(
            "dynamodb:TransactWriteItems", "dynamodb:PutItem", "dynamodb:UpdateItem");
    public static final List<String> AUTHORIZER_ACTIONS = List.of("dynamodb:GetItem");
    /**
     * The partitions of the index of open replays ({@code REP#open#00} … {@code #15}: {@code DynamoReplayStore.listOpen},
     * {@code closeOpen}), each named exactly (no wildcard, which would also match tenant {@code open}'s replay items).
     */
    public static final List<String> REPLAY_OPEN_KEYS = dev.loopgrid.aws.store.LedgerKeys.replayOpenPks();
    /** Replay recovery lists the open replays (one Query of each of {@link #REPLAY_OPEN_KEYS}) ... */
    public static final List<String> RECOVERY_LIST_ACTIONS = List.of("dynamodb:Query");
    /** ... reads each replay's item ({@value #REPLAY_KEY_PATTERN}) ... */
    public static final List<String> RECOVERY_READ_ACTIONS = List.of("dynamodb:GetItem");
    /** ... and drops finished ones from the index (DeleteItem on {@link #REPLAY_OPEN_KEYS} only). */
    public static final List<String> RECOVERY_CLOSE_ACTIONS = List.of("dynamodb:DeleteItem");
    /** Partition keys of data subjects' items ({@code SUBJECT#<tenant>#<subject>}: the wrapped data keys). */
    public static final String SUBJECT_KEY_PATTERN = subjectPrefix() + "*";
    /** Partition keys of the items a lifecycle transaction deletes: released holds, and done or moved erasure schedules. */
    public static final List<String> LIFECYCLE_DELETE_PATTERNS = List.of(
            dev.loopgrid.aws.store.LedgerKeys.holdsPk("") + "*", dev.loopgrid.aws.store.LedgerKeys.ERASURE_DUE_PK);
    /** Lifecycle appends: an append transaction, plus the deletes of {@link #LIFECYCLE_DELETE_PATTERNS}. */
    public static final List<String> LIFECYCLE_DELETE_ACTIONS = List.of("dynamodb:DeleteItem");
    /** What no function but the lifecycle ones may do to a data subject's item. */
    public static final List<String> SUBJECT_ITEM_DENIED_ACTIONS = List.of(
            "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem");
    /**
     * The attributes recording a decision writes when it creates a subject's item ({@code DynamoSubjectKeyStore.create}):
     * a PutItem on a subject item naming any other attribute is denied, and so is one without {@code wrapped_key}.
     */
    public static final List<String> SUBJECT_CREATE_ATTRIBUTES = List.of("pk", "sk", "subject_id", "key_id", "wrapped_key",
            "created_at", "last_used_at", "services");
    /**
     * The attributes recording a decision may name when it notes a subject's use ({@code DynamoSubjectKeyStore.touch}:
     * {@code SET last_used_at ADD services}, on condition that the subject was not erased): no {@code wrapped_key}, so
     * an UpdateItem that removes (or replaces) the wrapped key is denied to them.
     */
    public static final List<String> SUBJECT_TOUCH_ATTRIBUTES = List.of("pk", "sk", "last_used_at", "services", "erased_at");
    public static final String SUBJECT_WRAPPED_KEY = "wrapped_key";
    /** Every item action a non-key level is allowed; denied on key items. */
    public static final List<String> KEY_ITEM_DENIED_ACTIONS = List.of(
            "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
            "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem");

    /**
     * What a function may do with the table.
     *
     * @param name       the level's name (role descriptions)
     * @param statements the IAM statements (empty for none)
     */
    public record Grant(String name, List<PolicyStatement> statements) {}

    private LedgerAccess() {}

    /** The grant of a route access level. */
    public static Grant of(Routes.Access access, ITable table) {
        return new Grant(access.name(), statements(access, table));
    }

    /**
     * The grant of a route's function: its access level's, where the level's writes could reach data subjects' items,
     * those of a function that records decisions ({@link SubjectKeyAccess#SEAL}) may create and touch them, and every
     * other function's may not write them at all ({@link #subjectItemStatements}).
     */
    public static Grant of(Routes.Route route, ITable table) {
        return new Grant(route.access().name(), statements(route.access(), table, SubjectKeyAccess.of(route) == SubjectKeyAccess.SEAL));
    }

    /** The key authorizer's grant: one consistent GetItem per key hash, nothing else. */
    public static Grant authorizer(ITable table) {
        PolicyStatement read = onItems("ApiKeyLookup", AUTHORIZER_ACTIONS, table, KEY_HASH_PATTERN);
        return new Grant("AUTHORIZER (GetItem on " + KEY_HASH_PATTERN + ")", List.of(read));
    }

    /** The log integrator's grant: READ, and writes of the log's own items only. */
    public static Grant integrator(ITable table) {
        List<PolicyStatement> out = new ArrayList<>();
        out.add(read(table));
        out.add(onItems("LogIntegrate", LOG_WRITE_ACTIONS, table, LOG_KEY_PATTERN, LOG_RUN_KEY_PATTERN));
        out.add(denyKeyItems(table));
        out.addAll(subjectItemStatements(table, false));
        return new Grant("INTEGRATOR (READ, writes on " + LOG_KEY_PATTERN + " and " + LOG_RUN_KEY_PATTERN + ")", out);
    }

    /**
     * The replay recovery's grant ({@code ReplayRecovery.sweep}, without releasing leases): {@code Query} and
     * {@code DeleteItem} on the index of open replays ({@code REP#open#00} … {@code #15}) only, {@code GetItem} on replay items
     * ({@value #REPLAY_KEY_PATTERN}) only, each by a {@code dynamodb:LeadingKeys} condition, on the table only (no
     * index); the Deny on API key items and on writes of data subjects' items like every other writer. (Sending to the
     * replay queue is granted by {@link ReplayRecoveryConstruct}.)
     */
    public static Grant replayRecovery(ITable table) {
        List<PolicyStatement> out = new ArrayList<>();
        out.add(onItems("OpenReplayList", RECOVERY_LIST_ACTIONS, table, REPLAY_OPEN_KEYS.toArray(String[]::new)));
        out.add(onItems("ReplayRead", RECOVERY_READ_ACTIONS, table, REPLAY_KEY_PATTERN));
        out.add(onItems("OpenReplayClose", RECOVERY_CLOSE_ACTIONS, table, REPLAY_OPEN_KEYS.toArray(String[]::new)));
        out.add(denyKeyItems(table));
        out.addAll(subjectItemStatements(table, false));
        return new Grant("RECOVERY (Query and DeleteItem on " + dev.loopgrid.aws.store.LedgerKeys.REPLAY_OPEN_PK
                + "#00.." + String.format("#%02d", REPLAY_OPEN_KEYS.size() - 1) + ", GetItem on " + REPLAY_KEY_PATTERN + ")",
                out);
    }

    private static String subjectPrefix() {
        String pk = dev.loopgrid.aws.store.LedgerKeys.subjectPk("t", "s");
        return pk.substring(0, pk.lastIndexOf("t#s"));
    }

    private static String stagePrefix() {
        String pk = dev.loopgrid.aws.store.LedgerKeys.stagePk(new dev.loopgrid.core.ledger.ChainKey("t", "c"));
        return pk.substring(0, pk.lastIndexOf("t#c"));
    }

    private static String logRunPrefix() {
        String pk = dev.loopgrid.aws.store.LedgerKeys.logRunPk("t", "c");
        return pk.substring(0, pk.lastIndexOf("t#c"));
    }

    /** The statements for one access level; empty for NONE. Exhaustive on purpose: a new level must be decided here. */
    public static List<PolicyStatement> statements(Routes.Access access, ITable table) {
        return statements(access, table, false);
    }

    /**
     * The statements for one access level, {@code recordsDecisions} when the function creates data subjects' items
     * (see {@link #subjectItemStatements}).
     */
    public static List<PolicyStatement> statements(Routes.Access access, ITable table, boolean recordsDecisions) {
        List<PolicyStatement> out = new ArrayList<>();
        switch (access) {
            case NONE -> { }
            case READ, LOG -> out.add(read(table));
            case ENQUEUE -> {
                out.add(read(table));
                out.add(onItems("ReplayWrite", ENQUEUE_ACTIONS, table, REPLAY_KEY_PATTERN));
            }
            case APPEND -> {
                out.add(read(table));
                out.add(onTable("LedgerAppend", APPEND_ACTIONS, table));
                out.add(onItems("Staging", STAGING_ACTIONS, table, STAGE_KEY_PATTERN));
            }
            case REPORT -> {
                out.add(read(table));
                out.add(onItems("VerificationCheckpoint", CHECKPOINT_ACTIONS, table, CHECKPOINT_KEY_PATTERN));
            }
            case VERIFY -> {
                out.add(read(table));
                out.add(onItems("VerificationCheckpoint", CHECKPOINT_ACTIONS, table, CHECKPOINT_KEY_PATTERN));
            }
            case LIFECYCLE -> {
                out.add(read(table));
                out.add(onTable("LifecycleAppend", APPEND_ACTIONS, table));
                out.add(onItems("LifecycleDelete", LIFECYCLE_DELETE_ACTIONS, table,
                        LIFECYCLE_DELETE_PATTERNS.toArray(String[]::new)));
            }
            case KEYS -> {
                out.add(onItems("ApiKeyItems", KEYS_ACTIONS, table, KEY_HASH_PATTERN, KEY_TENANT_PATTERN));
            }
        }
        if (access != Routes.Access.NONE && access != Routes.Access.KEYS) out.add(denyKeyItems(table));
        // writers other than the lifecycle's (KEYS: its writes are confined to key items by their own condition)
        if (access == Routes.Access.APPEND || access == Routes.Access.ENQUEUE || access == Routes.Access.REPORT
                || access == Routes.Access.VERIFY) {
            out.addAll(subjectItemStatements(table, recordsDecisions && access == Routes.Access.APPEND));
        }
        return out;
    }

    /**
     * "Only erasure deletes data keys": the Deny statements on data subjects' items ({@value #SUBJECT_KEY_PATTERN}) of
     * a function that may write the table but is not a lifecycle function. A data key is deleted by an UpdateItem that
     * removes {@code wrapped_key} (in the erasure's transaction; IAM authorizes each item of a transaction by its
     * single-item action, with its condition keys).
     *
     * <ul>
     *   <li>Not recording decisions: PutItem, UpdateItem and DeleteItem on subject items are denied.</li>
     *   <li>Recording decisions (creates a subject's item on its first decision, notes its later uses): DeleteItem is
     *       denied; UpdateItem is denied when it names an attribute outside {@link #SUBJECT_TOUCH_ATTRIBUTES} (so never
     *       {@code wrapped_key}: it can neither remove nor replace it); PutItem is denied when it names an attribute
     *       outside {@link #SUBJECT_CREATE_ATTRIBUTES} (no erasure or schedule attributes), or does not carry
     *       {@code wrapped_key}. What IAM cannot express: that the PutItem only creates ({@code attribute_not_exists(pk)}
     *       is the code's condition, not the policy's), so a PutItem replacing an existing subject's item with a new
     *       wrapped key is not denied by IAM (docs/deploy.md, "Data subjects' keys").</li>
     * </ul>
     * {@code ForAnyValue:StringLike} on {@code dynamodb:LeadingKeys}: the Deny applies as soon as the request's
     * partition key is a subject's.
     */
    static List<PolicyStatement> subjectItemStatements(ITable table, boolean recordsDecisions) {
        List<String> resources = List.of(table.getTableArn());
        if (!recordsDecisions) {
            PolicyStatement deny = PolicyStatement.Builder.create().sid("NoSubjectKeyWrites").effect(Effect.DENY)
                    .actions(SUBJECT_ITEM_DENIED_ACTIONS).resources(resources).build();
            deny.addCondition("ForAnyValue:StringLike", Map.of("dynamodb:LeadingKeys", List.of(SUBJECT_KEY_PATTERN)));
            return List.of(deny);
        }
        PolicyStatement noDelete = PolicyStatement.Builder.create().sid("NoSubjectKeyDeletes").effect(Effect.DENY)
                .actions(List.of("dynamodb:DeleteItem")).resources(resources).build();
        noDelete.addCondition("ForAnyValue:StringLike", Map.of("dynamodb:LeadingKeys", List.of(SUBJECT_KEY_PATTERN)));
        PolicyStatement touchOnly = PolicyStatement.Builder.create().sid("SubjectKeyTouchOnly").effect(Effect.DENY)
                .actions(List.of("dynamodb:UpdateItem")).resources(resources).build();
        touchOnly.addCondition("ForAnyValue:StringLike", Map.of("dynamodb:LeadingKeys", List.of(SUBJECT_KEY_PATTERN)));
        touchOnly.addCondition("ForAnyValue:StringNotEquals", Map.of("dynamodb:Attributes", SUBJECT_TOUCH_ATTRIBUTES));
        PolicyStatement createOnly = PolicyStatement.Builder.create().sid("SubjectKeyCreateOnly").effect(Effect.DENY)
                .actions(List.of("dynamodb:PutItem")).resources(resources).build();
        createOnly.addCondition("ForAnyValue:StringLike", Map.of("dynamodb:LeadingKeys", List.of(SUBJECT_KEY_PATTERN)));
        createOnly.addCondition("ForAnyValue:StringNotEquals", Map.of("dynamodb:Attributes", SUBJECT_CREATE_ATTRIBUTES));
        PolicyStatement keepsKey = PolicyStatement.Builder.create().sid("SubjectKeyCreateWithKey").effect(Effect.DENY)
                .actions(List.of("dynamodb:PutItem")).resources(resources).build();
        keepsKey.addCondition("ForAnyValue:StringLike", Map.of("dynamodb:LeadingKeys", List.of(SUBJECT_KEY_PATTERN)));
        keepsKey.addCondition("ForAllValues:StringNotEquals", Map.of("dynamodb:Attributes", List.of(SUBJECT_WRAPPED_KEY)));
        return List.of(noDelete, touchOnly, createOnly, keepsKey);
    }

    private static PolicyStatement read(ITable table) {
        return PolicyStatement.Builder.create()
                .sid("LedgerRead")
                .effect(Effect.ALLOW)
                .actions(READ_ACTIONS)
                .resources(List.of(table.getTableArn(), table.getTableArn() + "/index/*"))
                .build();
    }

    private static PolicyStatement denyKeyItems(ITable table) {
        PolicyStatement deny = PolicyStatement.Builder.create()
                .sid("NoApiKeyItems")
                .effect(Effect.DENY)
                .actions(KEY_ITEM_DENIED_ACTIONS)
                .resources(List.of(table.getTableArn(), table.getTableArn() + "/index/*"))
                .build();
        deny.addCondition("ForAnyValue:StringLike",
                Map.of("dynamodb:LeadingKeys", List.of(KEY_HASH_PATTERN, KEY_TENANT_PATTERN)));
        return deny;
    }

    /** {@link #onTable}, confined to items whose partition key matches one of {@code keyPatterns}. */
    private static PolicyStatement onItems(String sid, List<String> actions, ITable table, String... keyPatterns) {
        PolicyStatement st = onTable(sid, actions, table);
        st.addCondition("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", List.of(keyPatterns)));
        return st;
    }

    /** Writes name the table only: index entries are maintained by DynamoDB, never written directly. */
    private static PolicyStatement onTable(String sid, List<String> actions, ITable table) {
        return PolicyStatement.Builder.create()
                .sid(sid)
                .effect(Effect.ALLOW)
                .actions(actions)
                .resources(List.of(table.getTableArn()))
                .build();
    }
}
