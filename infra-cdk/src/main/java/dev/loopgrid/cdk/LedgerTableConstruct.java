package dev.loopgrid.cdk;

import dev.loopgrid.aws.store.LedgerTable;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.StreamViewType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.constructs.Construct;

/**
 * The ledger table, built from {@link LedgerTable}'s names so the deployed table and the store's
 * expectations cannot drift: keys {@code pk}/{@code sk}, the TTL attribute of idempotency items, and the
 * four listing indexes (keys plus {@code decision_type} and {@code status}, sort key {@code lsk}).
 *
 * <p>The ledger is the system of record, so the table is kept whatever happens to the stack: on-demand
 * billing, point-in-time recovery, deletion protection and a RETAIN removal policy. Its stream (new images, kept 24 h)
 * feeds the verifiable log's integrator. It is a
 * {@link Table} ({@code AWS::DynamoDB::Table}), not a {@code TableV2} ({@code AWS::DynamoDB::GlobalTable}).
 */
public final class LedgerTableConstruct extends Construct {
    private final Table table;

    public LedgerTableConstruct(Construct scope, String id) {
        super(scope, id);
        table = Table.Builder.create(this, "Table")
                .partitionKey(string(LedgerTable.PK))
                .sortKey(string(LedgerTable.SK))
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true).build())
                .deletionProtection(true)
                .removalPolicy(RemovalPolicy.RETAIN)
                .timeToLiveAttribute(LedgerTable.TTL_ATTRIBUTE)
                // the verifiable log's integrator reads new entries from the stream (VerifiableLogConstruct);
                // new images only: an entry is written once, and the integrator needs nothing of an old image
                .stream(StreamViewType.NEW_IMAGE)
                .build();
        for (String[] index : LedgerTable.INDEXES) {
            table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                    .indexName(index[0])
                    .partitionKey(string(index[1]))
                    .sortKey(string(LedgerTable.LIST_SORT_KEY))
                    .projectionType(ProjectionType.INCLUDE)
                    .nonKeyAttributes(LedgerTable.INDEX_ATTRIBUTES)
                    .build());
        }
    }

    public Table table() {
        return table;
    }

    private static Attribute string(String name) {
        return Attribute.builder().name(name).type(AttributeType.STRING).build();
    }
}
