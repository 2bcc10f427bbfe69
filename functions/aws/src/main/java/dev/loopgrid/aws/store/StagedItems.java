package dev.loopgrid.aws.store;

import static dev.loopgrid.aws.store.TableAccess.n;
import static dev.loopgrid.aws.store.TableAccess.num;
import static dev.loopgrid.aws.store.TableAccess.s;
import static dev.loopgrid.aws.store.TableAccess.str;

import dev.loopgrid.core.decision.NewDecision;
import dev.loopgrid.core.decision.Usage;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.StagedRequest;
import dev.loopgrid.core.ledger.StoreException;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * Staged request items ({@link LedgerKeys#stagePk}): everything a writer needs to append someone else's request and
 * count it (the entry's fields, the new decision's type, model, usage and subject, the idempotency claim), plus a
 * {@value #REJECTED} reason once a writer found that it can never be appended. Only new decisions with inline content
 * are staged: their projection (keyed by decision id) is how a writer finds its request appended by another.
 */
final class StagedItems {
    static final String REJECTED = "rejected";
    /** The projection attribute naming the staged request a decision was appended from. */
    static final String STAGE_ID = "stage_id";
    /** Staged items expire a day after staging, should their writer die before withdrawing a rejected one. */
    static final long TTL_SECONDS = 86_400;

    private StagedItems() {}

    static boolean canStage(AppendRequest r) {
        return r.contentKey() == null && r.projection() instanceof NewDecision;
    }

    static Map<String, AttributeValue> item(ChainKey chain, StagedRequest staged, long nowEpochSecond, int partitions) {
        AppendRequest r = staged.request();
        NewDecision nd = (NewDecision) r.projection();
        Map<String, AttributeValue> item = new HashMap<>(LedgerKeys.staged(chain, staged.stageId(), partitions));
        item.put("type", s(r.type().wire()));
        item.put("id", s(r.id()));
        item.put("decision_id", s(r.decisionId()));
        item.put("content", s(r.content()));
        item.put("content_hash", s(r.contentHash()));
        item.put("decision_type", s(nd.decisionType()));
        if (nd.model() != null) item.put(DecisionItems.MODEL_LABEL, s(nd.model()));
        if (nd.subjectId() != null) item.put("subject_id", s(nd.subjectId()));
        Usage u = nd.usage();
        if (u.latencyMs() != null) item.put("u_latency", n(u.latencyMs()));
        if (u.inputTokens() != null) item.put("u_in", n(u.inputTokens()));
        if (u.outputTokens() != null) item.put("u_out", n(u.outputTokens()));
        if (u.totalTokens() != null) item.put("u_total", n(u.totalTokens()));
        if (r.idempotency() != null) {
            item.put("idem_key", s(r.idempotency().key()));
            item.put("idem_hash", s(r.idempotency().contentHash()));
            item.put("idem_expires", n(r.idempotency().expiresAtEpochSecond()));
        }
        item.put(LedgerTable.TTL_ATTRIBUTE, n(nowEpochSecond + TTL_SECONDS));
        return item;
    }

    static StagedRequest request(Map<String, AttributeValue> item) {
        String decisionId = str(item, "decision_id", null);
        Usage usage = new Usage(optional(item, "u_latency"), optional(item, "u_in"), optional(item, "u_out"),
                optional(item, "u_total"));
        NewDecision nd = new NewDecision(decisionId, str(item, "decision_type", null),
                str(item, DecisionItems.MODEL_LABEL, null), usage, str(item, "subject_id", null));
        AppendRequest.IdempotencyClaim claim = item.containsKey("idem_key")
                ? new AppendRequest.IdempotencyClaim(str(item, "idem_key", null), str(item, "idem_hash", null),
                        num(item, "idem_expires"))
                : null;
        AppendRequest r = new AppendRequest(EntryType.fromWire(str(item, "type", "")), str(item, "id", null), decisionId,
                str(item, "content", null), str(item, "content_hash", null), nd, claim);
        return new StagedRequest(str(item, LedgerTable.SK, null), r);
    }

    static StoreException.WriteRejected.Reason rejected(Map<String, AttributeValue> item) {
        String r = str(item, REJECTED, null);
        if (r == null) return null;
        try {
            return StoreException.WriteRejected.Reason.valueOf(r);
        } catch (IllegalArgumentException e) {
            return StoreException.WriteRejected.Reason.PROJECTION_MOVED;
        }
    }

    /** {@code write} (a projection's Put) naming {@code staged} as the request it was appended from. */
    static TransactWriteItem naming(TransactWriteItem write, StagedRequest staged) {
        Map<String, AttributeValue> item = new HashMap<>(write.put().item());
        item.put(STAGE_ID, s(staged.stageId()));
        return write.toBuilder().put(write.put().toBuilder().item(item).build()).build();
    }

    /**
     * The entry a staged request became, from its decision's projection (written in the same transaction that removed
     * it from staging); null when the projection is not this request's (none, another request's, another chain,
     * other content).
     */
    static Entry appended(ChainKey chain, StagedRequest staged, Map<String, AttributeValue> projection) {
        AppendRequest r = staged.request();
        // the projection names the staged request that made it: a decision of the same id and content appended from
        // another request (a redelivery, when the id derives from an idempotency key) is not this request's entry
        if (projection == null || !staged.stageId().equals(str(projection, STAGE_ID, null))
                || !chain.chainId().equals(str(projection, "chain_id", null))
                || !r.contentHash().equals(str(projection, "content_hash", null))) {
            return null;
        }
        Entry e = Entry.link(chain.chainId(), num(projection, "seq"), r.type(), r.id(), r.decisionId(),
                str(projection, "created_at", null), r.content(), r.contentHash(), str(projection, "previous_hash", null),
                r.contentKey());
        // the projection's hash must be the one this request's entry has there: else it is not this request's entry
        return e.chainHash().equals(str(projection, "chain_hash", null)) ? e : null;
    }

    private static Long optional(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? null : Long.parseLong(v.n());
    }
}
