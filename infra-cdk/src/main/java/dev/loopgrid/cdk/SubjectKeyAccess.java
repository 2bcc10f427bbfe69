package dev.loopgrid.cdk;

import dev.loopgrid.aws.Routes;

/**
 * What a function may do with the data-subject key ({@link SubjectKeysConstruct}): the KMS key that wraps each data
 * subject's data key (content of decisions that name a {@code subject_id} is sealed under it; erasure removes the
 * wrapped data key). Granted by {@link SubjectKeysConstruct#grant} with {@code LOOPGRID_SUBJECT_KMS_KEY}.
 *
 * <ul>
 *   <li>SEAL: recording decisions ({@link ContentAccess#WRITE}: {@code POST /v1/decisions}, OTLP traces and logs)
 *       creates a subject's data key on their first decision ({@code kms:GenerateDataKey}) and unwraps it on later
 *       ones and on idempotent retries ({@code kms:Decrypt}).</li>
 *   <li>OPEN: every function that serves, flags, verifies, reports, exports or replays decisions' content
 *       ({@link ContentAccess#READ}; the replay worker too) unwraps data keys ({@code kms:Decrypt}).</li>
 *   <li>NONE: everything else, and no {@code LOOPGRID_SUBJECT_KMS_KEY}: the API key functions, docs and health, the
 *       log's routes, the statistics and replay bookkeeping routes, the integrator, the authorizer, and the lifecycle
 *       functions (erasure, holds, retention and the sweep: an erasure removes the wrapped key without unwrapping it,
 *       and they read decisions without content).</li>
 * </ul>
 */
public enum SubjectKeyAccess {
    NONE, OPEN, SEAL;

    /** A route's access: the same split as its content access (sealed content is decisions' content). */
    public static SubjectKeyAccess of(Routes.Route route) {
        return switch (ContentAccess.of(route)) {
            case NONE -> NONE;
            case READ -> OPEN;
            case WRITE -> SEAL;
        };
    }
}
