package dev.loopgrid.cdk;

import dev.loopgrid.aws.Routes;
import dev.loopgrid.aws.handlers.CreateReplayHandler;
import dev.loopgrid.aws.handlers.GetReplayHandler;
import dev.loopgrid.aws.handlers.ListDecisionReplaysHandler;
import dev.loopgrid.aws.handlers.OtlpLogsHandler;
import dev.loopgrid.aws.handlers.OtlpTracesHandler;
import dev.loopgrid.aws.handlers.StatsHandler;
import dev.loopgrid.aws.handlers.RecordDecisionHandler;
import dev.loopgrid.aws.handlers.RecordDecisionBatchHandler;
import dev.loopgrid.core.auth.Permission;

/**
 * What a function may do with large decisions' content objects ({@code content/*} of the reports bucket,
 * {@code dev.loopgrid.aws.store.S3ContentStore}), granted by {@link ReportsBucketConstruct#grantContent}.
 *
 * <ul>
 *   <li>WRITE: recording a decision (also from OTLP spans) stores the content of a large one ({@code s3:PutObject}) and reads an existing
 *       object back when its conditional put finds one, or when an idempotent retry answers the original (READ).</li>
 *   <li>READ: every other function that serves, verifies, exports or replays decisions reads content
 *       ({@code s3:GetObject}), plus {@code s3:ListBucket} on the bucket so that a missing object is S3's 404 (which
 *       verification reports as the entry's content changed) rather than a 403 (which LoopGrid treats as storage
 *       unavailable): https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html.</li>
 *   <li>NONE: functions without ledger access, the API key functions (they touch key items only), the log's routes
 *       (hashes, proofs and checkpoints; a receipt looks its decision up without content), and the two
 *       replay routes that read replay items only ({@code POST /v1/replays} looks the decision up without its
 *       content), a decision's replay list (its existence is checked without content) and the statistics (chain
 *       heads only), and the lifecycle routes (erasure, holds, retention).</li>
 * </ul>
 */
public enum ContentAccess {
    NONE, READ, WRITE;

    /** A route's content access; exhaustive on purpose: a new route that reads decisions reads content. */
    public static ContentAccess of(Routes.Route route) {
        if (route.access() == Routes.Access.NONE || route.access() == Routes.Access.KEYS) return NONE;
        // erasure, holds and retention read decisions without their content (a hold checks that its decision exists)
        if (route.access() == Routes.Access.LIFECYCLE || route.permission() == Permission.LIFECYCLE) return NONE;
        // receipts, checkpoints, proofs and tiles hold hashes; a receipt looks its decision up without content
        if (route.access() == Routes.Access.LOG) return NONE;
        if (route.handler() == RecordDecisionHandler.class || route.handler() == RecordDecisionBatchHandler.class
                || route.handler() == OtlpTracesHandler.class || route.handler() == OtlpLogsHandler.class) return WRITE;
        if (route.handler() == GetReplayHandler.class || route.handler() == CreateReplayHandler.class
                || route.handler() == ListDecisionReplaysHandler.class || route.handler() == StatsHandler.class) return NONE;
        return READ;
    }
}
