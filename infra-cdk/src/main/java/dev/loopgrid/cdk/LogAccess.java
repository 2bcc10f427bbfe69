package dev.loopgrid.cdk;

import dev.loopgrid.aws.Routes;
import dev.loopgrid.aws.handlers.ComplianceReportHandler;
import dev.loopgrid.aws.handlers.ComplianceReportHtmlHandler;
import dev.loopgrid.aws.handlers.VerifyIntegrityHandler;

/**
 * What a route's function may do with the verifiable log's buckets and key ({@link VerifiableLogConstruct}), granted
 * by {@link VerifiableLogConstruct#grantRead} with the log's environment ({@code LOOPGRID_LOG_BUCKET},
 * {@code LOOPGRID_CHECKPOINT_BUCKET}, {@code LOOPGRID_LOG_KMS_KEY}, …).
 *
 * <ul>
 *   <li>READ: the log's routes ({@link Routes.Access#LOG}: receipts, checkpoint, consistency, tiles, key), and the
 *       functions that verify the table against the signed checkpoints (integrity verification, the compliance
 *       report in JSON and HTML): {@code s3:GetObject} on tiles and checkpoints, {@code s3:ListBucket} on both
 *       buckets, {@code kms:GetPublicKey} on the log's key.</li>
 *   <li>NONE: every other route. No route may write the log or sign: only the integrator does.</li>
 * </ul>
 */
public enum LogAccess {
    NONE, READ;

    public static LogAccess of(Routes.Route route) {
        if (route.access() == Routes.Access.LOG) return READ;
        if (route.handler() == VerifyIntegrityHandler.class || route.handler() == ComplianceReportHandler.class
                || route.handler() == ComplianceReportHtmlHandler.class) return READ;
        return NONE;
    }
}
