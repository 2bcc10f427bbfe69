package dev.loopgrid.aws.log;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.store.EntryItems;
import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.log.Integrator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The log's integrator on AWS, fed by the ledger table's stream (new images): each new entry item is handed to the
 * {@link Integrator}, which sequences it (reading from the chain whatever the batch lacks), writes tiles and publishes
 * the tenant's checkpoint. Idempotent and safe to run twice or concurrently: an entry already integrated is skipped,
 * and a commit that lost to another integrator is retried from the fresh state. When a checkpoint is not due yet
 * (one signature per tenant per interval), it waits for it rather than leave the last entries unsigned. A failing
 * tenant reports its first record as failed, so Lambda retries from there ({@code ReportBatchItemFailures}).
 */
public final class IntegratorHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(IntegratorHandler.class);
    private static final int MAX_WAITS = 3;

    private final App app;

    public IntegratorHandler() {
        this(App.get());
    }

    public IntegratorHandler(App app) {
        this.app = app;
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        List<StreamsEventResponse.BatchItemFailure> failures = new ArrayList<>();
        Integrator integrator = app.integrator();
        if (integrator == null || event == null || event.getRecords() == null) return new StreamsEventResponse(failures);
        Map<String, String> firstRecordOfTenant = new LinkedHashMap<>();
        for (DynamodbEvent.DynamodbStreamRecord r : event.getRecords()) {
            if (r.getDynamodb() == null || r.getDynamodb().getNewImage() == null) continue;
            Map<String, AttributeValue> image = image(r.getDynamodb().getNewImage());
            AttributeValue pk = image.get("pk");
            AttributeValue sk = image.get("sk");
            if (pk == null || sk == null || pk.s() == null || sk.s() == null) continue;
            ChainKey chain = LedgerKeys.chainOfEntryPk(pk.s());
            if (chain == null || !sk.s().startsWith("E#")) continue; // only entries join the log
            String tenant = chain.tenant();
            Entry e = EntryItems.entry(image);
            integrator.offer(chain, List.of(e));
            firstRecordOfTenant.putIfAbsent(tenant, r.getDynamodb().getSequenceNumber());
        }
        for (Map.Entry<String, String> t : firstRecordOfTenant.entrySet()) {
            try {
                Integrator.Pass p = integrator.pass(t.getKey(), false);
                for (int i = 0; p.checkpointDue() && i < MAX_WAITS; i++) {
                    Thread.sleep(Math.max(50, integrator.config().checkpointInterval() / MAX_WAITS));
                    p = integrator.pass(t.getKey(), false);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.add(new StreamsEventResponse.BatchItemFailure(t.getValue()));
            } catch (RuntimeException e) {
                LOG.error("log of tenant {}: integration failed; the stream retries from record {}", t.getKey(), t.getValue(), e);
                failures.add(new StreamsEventResponse.BatchItemFailure(t.getValue()));
            }
        }
        return new StreamsEventResponse(failures);
    }

    /** The stream's attribute values as the SDK's (strings, numbers and binaries: what entry items hold). */
    static Map<String, AttributeValue> image(Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> in) {
        Map<String, AttributeValue> out = new HashMap<>();
        in.forEach((k, v) -> {
            if (v == null) return;
            if (v.getS() != null) out.put(k, AttributeValue.fromS(v.getS()));
            else if (v.getN() != null) out.put(k, AttributeValue.fromN(v.getN()));
        });
        return out;
    }
}
