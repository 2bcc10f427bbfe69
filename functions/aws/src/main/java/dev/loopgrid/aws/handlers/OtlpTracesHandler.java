package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.otel.OtlpHttp;
import dev.loopgrid.core.otel.OtlpIngest;

/**
 * {@code POST /v1/traces}: OTLP/HTTP ingestion (protobuf or JSON, optionally gzip) of GenAI spans, each model
 * inference recorded as a decision ({@link OtlpHttp}, {@link OtlpIngest}, docs/opentelemetry.md).
 */
public final class OtlpTracesHandler extends ApiHandler {
    private final OtlpIngest ingest;

    public OtlpTracesHandler() {
        this(App.get());
    }

    public OtlpTracesHandler(App app) {
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
        return OtlpHttp.serve(event, tenant(event), OtlpHttp.Signal.TRACES, ingest);
    }
}
