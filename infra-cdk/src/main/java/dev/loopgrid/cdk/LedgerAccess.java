package dev.loopgrid.cdk;

import dev.loopgrid.aws.Routes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;

/**
 * The IAM statements a route function gets on the ledger table, derived from its {@link Routes.Access}.
 * Written out action by action on purpose: no wildcard actions, no {@code grantReadWriteData} (which would
 * add DeleteItem, BatchWriteItem, Scan and DescribeTable that no handler uses).
 *
 * <ul>
 *   <li>NONE: nothing.</li>
 *   <li>READ: {@code GetItem}, {@code Query}, {@code BatchGetItem} on the table and its indexes.</li>
 *   <li>ENQUEUE (creating a replay): READ plus {@code PutItem} and {@code UpdateItem} on the table only, and only
 *       on replay items: a {@code dynamodb:LeadingKeys} condition limits the partition key to
 *       {@value #REPLAY_KEY_PATTERN} (the store's {@code ReplayItems} key {@code REP#tenant#id}), so creating a
 *       replay can never overwrite a ledger item. No transactions. (Sending to the replay queue is granted by the
 *       API construct.)</li>
 *   <li>APPEND: READ plus, on the table only, the writes an append transaction is made of. DynamoDB
 *       authorizes each action inside {@code TransactWriteItems} by the matching single-item action
 *       ({@code Put} by {@code PutItem}, {@code Update} by {@code UpdateItem}, {@code ConditionCheck} by
 *       {@code ConditionCheckItem}): https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html.
 *       {@code dynamodb:TransactWriteItems} is listed as well so that "may append" is one greppable
 *       action in the template and the template tests can pin it to the appending functions.</li>
 *   <li>REPORT (compliance reports and exports): READ plus {@code PutItem} on the table only, and only on
 *       verification checkpoint items: a {@code dynamodb:LeadingKeys} condition limits the partition key to
 *       {@value #CHECKPOINT_KEY_PATTERN} ({@code DynamoCheckpointStore}'s {@code VERIFIED#tenant#chain}), so a report
 *       can remember how far it verified but never touch a ledger entry or head. (Objects under {@code reports/} in
 *       the reports bucket are granted by the API construct, from {@link ReportsBucketConstruct}.)</li>
 * </ul>
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

    private LedgerAccess() {}

    /** The statements for one access level; empty for NONE. Exhaustive on purpose: a new level must be decided here. */
    public static List<PolicyStatement> statements(Routes.Access access, ITable table) {
        List<PolicyStatement> out = new ArrayList<>();
        switch (access) {
            case NONE -> { }
            case READ -> out.add(read(table));
            case ENQUEUE -> {
                out.add(read(table));
                PolicyStatement replayWrite = onTable("ReplayWrite", ENQUEUE_ACTIONS, table);
                replayWrite.addCondition("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", List.of(REPLAY_KEY_PATTERN)));
                out.add(replayWrite);
            }
            case APPEND -> {
                out.add(read(table));
                out.add(onTable("LedgerAppend", APPEND_ACTIONS, table));
            }
            case REPORT -> {
                out.add(read(table));
                PolicyStatement checkpoint = onTable("VerificationCheckpoint", CHECKPOINT_ACTIONS, table);
                checkpoint.addCondition("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", List.of(CHECKPOINT_KEY_PATTERN)));
                out.add(checkpoint);
            }
        }
        return out;
    }

    private static PolicyStatement read(ITable table) {
        return PolicyStatement.Builder.create()
                .sid("LedgerRead")
                .effect(Effect.ALLOW)
                .actions(READ_ACTIONS)
                .resources(List.of(table.getTableArn(), table.getTableArn() + "/index/*"))
                .build();
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
