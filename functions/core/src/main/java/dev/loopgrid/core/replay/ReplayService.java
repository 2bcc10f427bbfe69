package dev.loopgrid.core.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.subject.SubjectKeys;
import dev.loopgrid.core.Ids;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.ledger.Times;
import java.time.Clock;
import java.util.List;

/** The replay use cases of the API: create (queue), read, wait, compare. Execution is {@link ReplayExecutor}'s. */
public final class ReplayService {
    public static final int MAX_WAIT_SECONDS = 20;

    private final DecisionService decisions;
    private final ReplayStore replays;
    private final WorkQueue queue;
    private final Clock clock;

    private final SubjectKeys subjects;

    public ReplayService(DecisionService decisions, ReplayStore replays, WorkQueue queue, Clock clock) {
        this(decisions, replays, queue, clock, null);
    }

    /** @param subjects data subjects' keys: a subject's decision's replays are sealed under them (null: none here) */
    public ReplayService(DecisionService decisions, ReplayStore replays, WorkQueue queue, Clock clock,
                         SubjectKeys subjects) {
        this.subjects = subjects;
        this.decisions = decisions;
        this.replays = replays;
        this.queue = queue;
        this.clock = clock;
    }

    /**
     * Stores a pending replay of a recorded decision and queues it.
     *
     * @throws LedgerException.NotFound when the decision does not exist
     */
    public ReplayRecord create(String tenant, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new LedgerException.Invalid(List.of(new LedgerException.FieldError("body", "must be a JSON object")));
        }
        JsonNode id = body.get("decision_id");
        if (id == null || id.isNull()) {
            throw new LedgerException.Invalid(List.of(new LedgerException.FieldError("decision_id", "is required")));
        }
        if (!id.isTextual() || id.textValue().isEmpty()) {
            throw new LedgerException.Invalid(List.of(new LedgerException.FieldError("decision_id", "must be a non-empty string")));
        }
        ObjectNode overrides = Overrides.validate(body.get("overrides"));
        String triggeredBy = "api"; // the API handler sets it from X-LoopGrid-Client for SDK callers
        JsonNode t = body.get("triggered_by");
        if (t != null && !t.isNull()) {
            if (!t.isTextual() || t.textValue().isEmpty() || t.textValue().length() > DecisionService.MAX_NAME_LENGTH) {
                throw new LedgerException.Invalid(List.of(new LedgerException.FieldError("triggered_by",
                        "must be a string of 1.." + DecisionService.MAX_NAME_LENGTH + " characters")));
            }
            triggeredBy = t.textValue();
        }
        // only its id and chain are needed: a large decision's content is not fetched here (the worker reads it)
        DecisionRecord decision = decisions.getWithoutContent(tenant, id.textValue());
        if (decision.subjectId() != null && decisions.get(tenant, decision.decisionId()).erased()) {
            throw new LedgerException.Conflict("decision_erased", "Decision " + decision.decisionId()
                    + " cannot be replayed: its content was erased with its data subject's key");
        }
        String now = Times.format(clock.millis());
        String replayId = Ids.replay();
        String overridesText = overrides == null ? null : Canonical.canonicalize(overrides);
        if (decision.subjectId() != null && overridesText != null) {
            // overrides of a subject's decision (a new input, a prompt) are as personal as the decision
            if (!(subjects.forOpening(tenant, decision.subjectId(), null) instanceof SubjectKeys.Lookup.Usable u)) {
                throw new LedgerException.Conflict("decision_erased", "Decision " + decision.decisionId()
                        + " cannot be replayed: its content was erased with its data subject's key");
            }
            overridesText = SealedReplay.seal(tenant, decision.subjectId(), replayId, "overrides", overridesText, u.key());
        }
        ReplayRecord replay = ReplayRecord.pending(replayId, decision.decisionId(), decision.chainId(), now,
                triggeredBy, overridesText);
        replays.create(tenant, replay);
        try {
            queue.enqueue(tenant, replay.replayId());
        } catch (StoreException.Unavailable e) {
            replays.failUnqueued(tenant, replay.replayId(), "the replay could not be queued: " + e.getMessage(), now);
            throw new LedgerException.Unavailable("queue_unavailable", "The replay queue is unavailable; retry later", 2);
        }
        return replay;
    }

    public ReplayRecord get(String tenant, String replayId) {
        return opened(tenant, raw(tenant, replayId));
    }

    private ReplayRecord raw(String tenant, String replayId) {
        return replays.find(tenant, replayId).orElseThrow(() -> new LedgerException.NotFound("replay_not_found",
                "Replay " + (replayId.length() > 100 ? replayId.substring(0, 100) + "…" : replayId) + " not found"));
    }

    /** {@code r} with what is sealed under its decision's data subject's key opened (or emptied once erased). */
    private ReplayRecord opened(String tenant, ReplayRecord r) {
        if (subjects == null || !SealedReplay.isSealed(r.overrides()) && !SealedReplay.isSealed(r.output())
                && !SealedReplay.isSealed(r.diff())) return r;
        String subject = decisions.getWithoutContent(tenant, r.decisionId()).subjectId();
        return SealedReplay.opened(tenant, subject, r, subjects);
    }

    /**
     * A page of a decision's replays, oldest first.
     *
     * @throws LedgerException.NotFound when the decision does not exist
     */
    public ReplayStore.ReplayPage listForDecision(String tenant, String decisionId, int limit, String cursor) {
        String subject = decisions.getWithoutContent(tenant, decisionId).subjectId();
        ReplayStore.ReplayPage page = replays.listByDecision(tenant, decisionId, limit, cursor);
        if (subject == null || subjects == null) return page;
        java.util.List<ReplayRecord> out = new java.util.ArrayList<>(page.replays().size());
        for (ReplayRecord r : page.replays()) out.add(SealedReplay.opened(tenant, subject, r, subjects));
        return new ReplayStore.ReplayPage(out, page.nextCursor());
    }

    /**
     * Polls until the replay is finished or {@code seconds} have passed.
     *
     * @return the latest state
     */
    public ReplayRecord await(String tenant, String replayId, int seconds) {
        long deadline = clock.millis() + seconds * 1000L;
        long sleep = 25;
        ReplayRecord r = raw(tenant, replayId);
        while (!r.terminal() && clock.millis() < deadline) {
            try {
                Thread.sleep(Math.min(sleep, Math.max(1, deadline - clock.millis())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return opened(tenant, r);
            }
            sleep = Math.min(sleep * 2, 250);
            r = raw(tenant, replayId);
        }
        return opened(tenant, r);
    }

    /** The API's compare object: the decision's recorded output against the replay's. */
    public ObjectNode compare(String tenant, String decisionId, String replayId) {
        DecisionRecord decision = decisions.get(tenant, decisionId);
        ReplayRecord replay = get(tenant, replayId);
        if (!replay.decisionId().equals(decision.decisionId())) {
            throw new LedgerException.Malformed("replay_decision_mismatch", "Replay " + replayId
                    + " belongs to decision " + replay.decisionId() + ", not " + decisionId);
        }
        JsonNode original = Json.parseStored(decision.requireContent()).get("output");
        ObjectNode o = Json.object();
        o.put("decision_id", decisionId);
        o.put("replay_id", replayId);
        o.set("original_output", original);
        if (replay.output() == null) {
            o.putNull("replay_output");
            o.put("output_changed", false);
            o.putNull("diff_summary");
            o.putArray("diff");
        } else {
            JsonNode out = Json.parseStored(replay.output());
            List<JsonDiff.Change> diff = JsonDiff.diff(original, out);
            o.set("replay_output", out);
            o.put("output_changed", !diff.isEmpty());
            o.put("diff_summary", JsonDiff.summary(diff));
            o.set("diff", JsonDiff.toJson(diff));
        }
        o.put("execution_status", replay.status().wire());
        return o;
    }
}
