package dev.loopgrid.aws;

import dev.loopgrid.aws.handlers.SetRetentionHandler;
import dev.loopgrid.aws.handlers.RecordDecisionBatchHandler;
import dev.loopgrid.aws.handlers.GetRetentionHandler;
import dev.loopgrid.aws.handlers.ReleaseHoldHandler;
import dev.loopgrid.aws.handlers.ListHoldsHandler;
import dev.loopgrid.aws.handlers.PlaceHoldHandler;
import dev.loopgrid.aws.handlers.GetErasureHandler;
import dev.loopgrid.aws.handlers.EraseSubjectHandler;
import dev.loopgrid.aws.handlers.AttachCorrectionHandler;
import dev.loopgrid.aws.handlers.ConfirmDecisionHandler;
import dev.loopgrid.aws.handlers.ListDecisionReplaysHandler;
import dev.loopgrid.aws.handlers.StatsHandler;
import dev.loopgrid.aws.handlers.ComplianceReportHandler;
import dev.loopgrid.aws.handlers.ComplianceReportHtmlHandler;
import dev.loopgrid.aws.handlers.ExportDecisionsHandler;
import dev.loopgrid.aws.handlers.ExportGroundTruthHandler;
import dev.loopgrid.aws.handlers.CompareReplayHandler;
import dev.loopgrid.aws.handlers.CreateReplayHandler;
import dev.loopgrid.aws.handlers.DocsAssetHandler;
import dev.loopgrid.aws.handlers.DocsHandler;
import dev.loopgrid.aws.handlers.GetDecisionHandler;
import dev.loopgrid.aws.handlers.GetReplayHandler;
import dev.loopgrid.aws.handlers.HealthHandler;
import dev.loopgrid.aws.handlers.ListDecisionsHandler;
import dev.loopgrid.aws.handlers.MarkIncorrectHandler;
import dev.loopgrid.aws.handlers.OpenApiHandler;
import dev.loopgrid.aws.handlers.OtlpLogsHandler;
import dev.loopgrid.aws.handlers.OtlpTracesHandler;
import dev.loopgrid.aws.handlers.RecordDecisionHandler;
import dev.loopgrid.aws.handlers.RootHandler;
import dev.loopgrid.aws.handlers.VerifyIntegrityHandler;
import dev.loopgrid.aws.handlers.LogTileHandler;
import dev.loopgrid.aws.handlers.LogKeyHandler;
import dev.loopgrid.aws.handlers.LogConsistencyHandler;
import dev.loopgrid.aws.handlers.LogCheckpointHandler;
import dev.loopgrid.aws.handlers.GetEntryReceiptHandler;
import dev.loopgrid.aws.handlers.GetReceiptHandler;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.handlers.CreateApiKeyHandler;
import dev.loopgrid.aws.handlers.ListApiKeysHandler;
import dev.loopgrid.aws.handlers.RevokeApiKeyHandler;
import dev.loopgrid.core.auth.Permission;
import dev.loopgrid.core.auth.Role;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The route table: the single source of (method, path template, handler) that the local HTTP front
 * serves and the CDK app deploys, one Lambda function per route.
 */
public final class Routes {

    /** What a route's function may do with the ledger table; the CDK app derives IAM policies from it. */
    public enum Access {
        /** no table access */
        NONE,
        /** GetItem / Query / BatchGetItem */
        READ,
        /** READ plus TransactWriteItems (appends) */
        APPEND,
        /** READ plus PutItem/UpdateItem of replay items, and sqs:SendMessage to the replay queue */
        ENQUEUE,
        /**
         * READ plus PutItem of verification checkpoint items only ({@code VERIFIED#…}), and s3:PutObject /
         * s3:GetObject on {@code reports/*} of the reports bucket (reports, large exports, presigned links)
         */
        REPORT,
        /**
         * READ plus the verifiable log: its state and run items ({@code LOG#…}, {@code LOGRUN#…}), s3:GetObject on the
         * log bucket and the checkpoint bucket, kms:GetPublicKey on the log's key (never kms:Sign)
         */
        LOG,
        /** READ plus PutItem of verification checkpoint items only ({@code VERIFIED#…}): a full verification moves them */
        VERIFY,
        /**
         * READ plus TransactWriteItems (appends to the tenant's lifecycle chain with hold, retention, schedule and
         * subject items), and kms:Decrypt on the data-subject key: erasure, holds, retention floors
         */
        LIFECYCLE,
        /** API key items only ({@code APIKEY#…}, {@code KEYS#…}): GetItem, Query, transactional Put/Update */
        KEYS
    }

    /**
     * @param name     a short stable name, used for the function's name
     * @param path     API Gateway path template, e.g. {@code /v1/decisions/{decision_id}}
     * @param handler  the handler class (its no-arg constructor is what Lambda calls)
     * @param factory  builds the handler over a given {@link App} (local stack, tests)
     * @param access   what the route's function may do with the table (IAM)
     * @param permission what the caller's role must grant ({@link Role}); PUBLIC routes need no key
     */
    public record Route(String name, String method, String path, Class<? extends ApiHandler> handler,
                        Function<App, ApiHandler> factory, Access access, Permission permission) {

        /** A public route (tests). */
        public Route(String name, String method, String path, Class<? extends ApiHandler> handler,
                     Function<App, ApiHandler> factory, Access access) {
            this(name, method, path, handler, factory, access, Permission.PUBLIC);
        }

        /** The Lambda handler string. */
        public String lambdaHandler() {
            return handler.getName() + "::handleRequest";
        }
    }

    public static final List<Route> ALL = List.of(
            new Route("RecordDecision", "POST", "/v1/decisions", RecordDecisionHandler.class,
                    RecordDecisionHandler::new, Access.APPEND, Permission.RECORD),
            new Route("RecordDecisionBatch", "POST", "/v1/decisions/batch", RecordDecisionBatchHandler.class,
                    RecordDecisionBatchHandler::new, Access.APPEND, Permission.RECORD),
            new Route("OtlpTraces", "POST", "/v1/traces", OtlpTracesHandler.class, OtlpTracesHandler::new,
                    Access.APPEND, Permission.RECORD),
            new Route("OtlpLogs", "POST", "/v1/logs", OtlpLogsHandler.class, OtlpLogsHandler::new,
                    Access.APPEND, Permission.RECORD),
            new Route("ListDecisions", "GET", "/v1/decisions", ListDecisionsHandler.class,
                    ListDecisionsHandler::new, Access.READ, Permission.READ),
            new Route("GetDecision", "GET", "/v1/decisions/{decision_id}", GetDecisionHandler.class,
                    GetDecisionHandler::new, Access.READ, Permission.READ),
            new Route("MarkIncorrect", "POST", "/v1/decisions/{decision_id}/incorrect", MarkIncorrectHandler.class,
                    MarkIncorrectHandler::new, Access.APPEND, Permission.REVIEW),
            new Route("AttachCorrection", "POST", "/v1/decisions/{decision_id}/correction",
                    AttachCorrectionHandler.class, AttachCorrectionHandler::new, Access.APPEND, Permission.REVIEW),
            new Route("ConfirmDecision", "POST", "/v1/decisions/{decision_id}/confirm", ConfirmDecisionHandler.class,
                    ConfirmDecisionHandler::new, Access.APPEND, Permission.REVIEW),
            new Route("ListDecisionReplays", "GET", "/v1/decisions/{decision_id}/replays",
                    ListDecisionReplaysHandler.class, ListDecisionReplaysHandler::new, Access.READ, Permission.READ),
            new Route("CompareReplay", "GET", "/v1/decisions/{decision_id}/compare/{replay_id}",
                    CompareReplayHandler.class, CompareReplayHandler::new, Access.READ, Permission.READ),
            new Route("CreateReplay", "POST", "/v1/replays", CreateReplayHandler.class, CreateReplayHandler::new,
                    Access.ENQUEUE, Permission.REPLAY),
            new Route("GetReplay", "GET", "/v1/replays/{replay_id}", GetReplayHandler.class, GetReplayHandler::new,
                    Access.READ, Permission.READ),
            new Route("GetReceipt", "GET", "/v1/decisions/{decision_id}/receipt", GetReceiptHandler.class,
                    GetReceiptHandler::new, Access.LOG, Permission.READ),
            new Route("GetEntryReceipt", "GET", "/v1/entries/{chain_id}/{sequence}/receipt", GetEntryReceiptHandler.class,
                    GetEntryReceiptHandler::new, Access.LOG, Permission.READ),
            new Route("LogCheckpoint", "GET", "/v1/log/checkpoint", LogCheckpointHandler.class,
                    LogCheckpointHandler::new, Access.LOG, Permission.READ),
            new Route("LogConsistency", "GET", "/v1/log/consistency", LogConsistencyHandler.class,
                    LogConsistencyHandler::new, Access.LOG, Permission.READ),
            new Route("LogTile", "GET", "/v1/log/tile/{path+}", LogTileHandler.class, LogTileHandler::new,
                    Access.LOG, Permission.READ),
            new Route("LogKey", "GET", "/v1/log/key", LogKeyHandler.class, LogKeyHandler::new, Access.LOG,
                    Permission.PUBLIC),
            new Route("VerifyIntegrity", "GET", "/v1/integrity/verify", VerifyIntegrityHandler.class,
                    VerifyIntegrityHandler::new, Access.VERIFY, Permission.AUDIT),
            new Route("GetStats", "GET", "/v1/stats", StatsHandler.class, StatsHandler::new, Access.READ, Permission.READ),
            new Route("ComplianceReport", "GET", "/v1/compliance/report", ComplianceReportHandler.class,
                    ComplianceReportHandler::new, Access.REPORT, Permission.AUDIT),
            new Route("ComplianceReportHtml", "GET", "/v1/compliance/report/html", ComplianceReportHtmlHandler.class,
                    ComplianceReportHtmlHandler::new, Access.REPORT, Permission.AUDIT),
            new Route("ExportDecisions", "GET", "/v1/export/decisions", ExportDecisionsHandler.class,
                    ExportDecisionsHandler::new, Access.REPORT, Permission.AUDIT),
            new Route("ExportGroundTruth", "GET", "/v1/export/ground-truth", ExportGroundTruthHandler.class,
                    ExportGroundTruthHandler::new, Access.REPORT, Permission.AUDIT),
            new Route("CreateApiKey", "POST", "/v1/admin/keys", CreateApiKeyHandler.class, CreateApiKeyHandler::new,
                    Access.KEYS, Permission.MANAGE_KEYS),
            new Route("ListApiKeys", "GET", "/v1/admin/keys", ListApiKeysHandler.class, ListApiKeysHandler::new,
                    Access.KEYS, Permission.MANAGE_KEYS),
            new Route("RevokeApiKey", "DELETE", "/v1/admin/keys/{key_id}", RevokeApiKeyHandler.class,
                    RevokeApiKeyHandler::new, Access.KEYS, Permission.MANAGE_KEYS),
            new Route("EraseSubject", "POST", "/v1/subjects/{subject_id}/erasure", EraseSubjectHandler.class,
                    EraseSubjectHandler::new, Access.LIFECYCLE, Permission.LIFECYCLE),
            new Route("GetErasure", "GET", "/v1/subjects/{subject_id}/erasure", GetErasureHandler.class,
                    GetErasureHandler::new, Access.READ, Permission.LIFECYCLE),
            new Route("PlaceHold", "POST", "/v1/holds", PlaceHoldHandler.class, PlaceHoldHandler::new,
                    Access.LIFECYCLE, Permission.LIFECYCLE),
            new Route("ListHolds", "GET", "/v1/holds", ListHoldsHandler.class, ListHoldsHandler::new, Access.READ,
                    Permission.LIFECYCLE),
            new Route("ReleaseHold", "DELETE", "/v1/holds/{hold_id}", ReleaseHoldHandler.class, ReleaseHoldHandler::new,
                    Access.LIFECYCLE, Permission.LIFECYCLE),
            new Route("GetRetention", "GET", "/v1/retention", GetRetentionHandler.class, GetRetentionHandler::new,
                    Access.READ, Permission.LIFECYCLE),
            new Route("SetRetention", "PUT", "/v1/retention", SetRetentionHandler.class, SetRetentionHandler::new,
                    Access.LIFECYCLE, Permission.LIFECYCLE),
            new Route("Health", "GET", "/health", HealthHandler.class, HealthHandler::new, Access.NONE, Permission.PUBLIC),
            new Route("Root", "GET", "/", RootHandler.class, RootHandler::new, Access.NONE, Permission.PUBLIC),
            new Route("OpenApi", "GET", "/openapi.json", OpenApiHandler.class, OpenApiHandler::new, Access.NONE, Permission.PUBLIC),
            new Route("Docs", "GET", "/docs", DocsHandler.class, DocsHandler::new, Access.NONE, Permission.PUBLIC),
            new Route("DocsAsset", "GET", "/docs/{asset}", DocsAssetHandler.class, DocsAssetHandler::new, Access.NONE, Permission.PUBLIC));

    /**
     * Request media types whose bodies are binary: API Gateway (the RestApi's {@code binaryMediaTypes}) and the local
     * front pass them base64-encoded ({@code isBase64Encoded}): OTLP/HTTP's protobuf encoding ({@code POST /v1/traces},
     * {@code /v1/logs}). API Gateway also answers a base64 body as binary when the request's {@code Accept} names one
     * of these: the log's tiles ({@code GET /v1/log/tile/…}, {@code Accept: application/octet-stream}).
     */
    public static final List<String> BINARY_MEDIA_TYPES = List.of("application/x-protobuf", "application/octet-stream");

    private static final Map<Class<?>, Permission> PERMISSIONS = new HashMap<>();

    static {
        for (Route r : ALL) PERMISSIONS.put(r.handler(), r.permission());
    }

    /** The permission of the route served by this handler class; PUBLIC for classes outside the table (tests). */
    public static Permission permissionOf(Class<?> handler) {
        return PERMISSIONS.getOrDefault(handler, Permission.PUBLIC);
    }

    private Routes() {}
}
