package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.otel.OtlpHttp;
import dev.loopgrid.core.otel.OtlpIngest;

/**
 * {@code POST /v1/logs}: OTLP/HTTP ingestion (protobuf or JSON, optionally gzip) of GenAI inference events
 * ({@code gen_ai.client.inference.operation.details}), each recorded as a decision keyed by the trace and span id it
 * carries ({@link OtlpHttp}, {@link OtlpIngest}, docs/opentelemetry.md).
 */
public final class OtlpLogsHandler extends ApiHandler {
    private final OtlpIngest ingest;

    public OtlpLogsHandler() {
        this(App.get());
    }

    public OtlpLogsHandler(App app) {
        super(app.config);
        this.ingest = OtlpHttp.ingest(app);
    }

    /** OTLP exporters compress with gzip (OTEL_EXPORTER_OTLP_COMPRESSION=gzip): {@code OtlpHttp} decodes it, refuses others. */
    @Override
    protected boolean decodesContentEncoding() {
        return true;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return OtlpHttp.serve(event, tenant(event), OtlpHttp.Signal.LOGS, ingest);
    }
}
