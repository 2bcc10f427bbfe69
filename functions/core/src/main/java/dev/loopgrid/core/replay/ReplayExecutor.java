package dev.loopgrid.core.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.subject.DataKey;
import dev.loopgrid.core.subject.SubjectKeys;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.ledger.EntryContent;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.decision.DecisionIndex;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs one queued replay: claim it (pending → running, with a lease), rebuild the request from the recorded
 * decision and the overrides, call the provider or simulate, and finish it by appending a {@code replay}
 * entry whose transaction also moves the replay to completed or failed — so a redelivered or duplicated
 * message never runs a finished replay again and never appends twice.
 */
public final class ReplayExecutor {

    /** What the queue should do with the message. */
    public enum Outcome {
        /** delete it: the replay is finished (now or before), or there is nothing to do */
        DONE,
        /** leave it: it comes back after the visibility timeout, and lands in the DLQ after the receive limit */
        RETRY
    }

    /** Told of every replay this executor finished (metrics). */
    public interface Listener {
        void finished(ReplayRecord result, long runMillis);
    }

    private final ReplayStore replays;
    private final DecisionIndex store;
    private final Ledger ledger;
    private final Map<String, LlmProvider> providers;
    private final Clock clock;
    private final long leaseMillis;
    private final Listener listener;
    private final SubjectKeys subjects;

    /**
     * @param providers   configured providers by name; a provider not in the map is simulated
     * @param leaseMillis how long a claim holds; longer than one worker run, shorter than the visibility timeout
     */
    public ReplayExecutor(ReplayStore replays, DecisionIndex store, Ledger ledger, Map<String, LlmProvider> providers,
                          Clock clock, long leaseMillis, Listener listener) {
        this(replays, store, ledger, providers, clock, leaseMillis, listener, null);
    }

    /** @param subjects data subjects' keys: a subject's decision's replay result is sealed under them (null: none) */
    public ReplayExecutor(ReplayStore replays, DecisionIndex store, Ledger ledger, Map<String, LlmProvider> providers,
                          Clock clock, long leaseMillis, Listener listener, SubjectKeys subjects) {
        this.subjects = subjects;
        this.listener = listener;
        this.replays = replays;
        this.store = store;
        this.ledger = ledger;
        this.providers = Map.copyOf(providers);
        this.clock = clock;
        this.leaseMillis = leaseMillis;
    }

    /**
     * @param receiveCount how many times the queue delivered this message (1 on first delivery)
     * @param maxReceives  the queue's receive limit before the dead-letter queue
     */
    public Outcome process(String tenant, String replayId, int receiveCount, int maxReceives) {
        Optional<ReplayRecord> found = replays.find(tenant, replayId);
        if (found.isEmpty()) return Outcome.RETRY; // unknown id: let it reach the dead-letter queue for inspection
        if (found.get().terminal()) return Outcome.DONE; // a duplicate or redelivered message
        long now = clock.millis();
        Optional<ReplayRecord> claimed = replays.claim(tenant, replayId, now, now + leaseMillis);
        if (claimed.isEmpty()) {
            ReplayRecord again = replays.find(tenant, replayId).orElse(found.get());
            // finished meanwhile → done; another worker holds a live lease → come back after it expires
            return again.terminal() ? Outcome.DONE : Outcome.RETRY;
        }
        ReplayRecord replay = claimed.get();
        long started = clock.millis();
        boolean lastChance = receiveCount >= maxReceives;
        DecisionRecord decision = store.findDecision(tenant, replay.decisionId()).orElse(null);
        if (decision == null) {
            return finish(tenant, replay, failed(replay, null, null, "decision " + replay.decisionId() + " not found"), started)
                    ? Outcome.DONE : Outcome.RETRY;
        }
        if (decision.contentProblem() != null || decision.content() == null) {
            // never replay content that is not what was recorded
            return finish(tenant, replay, failed(replay, null, null, "the decision's content cannot be read intact: "
                    + decision.contentProblem()), started) ? Outcome.DONE : Outcome.RETRY;
        }
        if (decision.erased()) {
            return finish(tenant, replay, failed(replay, null, null, "the decision's content was erased at "
                    + decision.erasure().erasedAt()), started) ? Outcome.DONE : Outcome.RETRY;
        }
        JsonNode content = Json.parseStored(decision.requireContent());
        DataKey key = null;
        String overridesText = replay.overrides();
        if (decision.subjectId() != null) {
            SubjectKeys.Lookup lookup = subjects == null ? null : subjects.forOpening(tenant, decision.subjectId(), null);
            if (!(lookup instanceof SubjectKeys.Lookup.Usable u)) {
                return finish(tenant, replay, failed(replay, null, null, "the decision's data subject's key is gone"),
                        started) ? Outcome.DONE : Outcome.RETRY;
            }
            key = u.key();
            overridesText = SealedReplay.open(tenant, decision.subjectId(), replayId, "overrides", overridesText, key);
        }
        JsonNode overrides = overridesText == null ? null : Json.parseStored(overridesText);
        ObjectNode effective = Overrides.apply(content, overrides);
        ProviderRequest request = ProviderRequest.from(effective);
        JsonNode recordedOutput = content.get("output");
        LlmProvider provider = providers.get(request.provider());
        ReplayRecord result;
        if (provider == null) {
            JsonNode out = Simulator.simulate(content, effective);
            List<JsonDiff.Change> diff = JsonDiff.diff(recordedOutput, out);
            result = replay.finished(ReplayStatus.COMPLETED, "simulated", Canonical.canonicalize(out), !diff.isEmpty(),
                    JsonDiff.summary(diff), Canonical.canonicalize(JsonDiff.toJson(diff)), request.provider(),
                    request.model(), 0L, null, null, null, null, null);
        } else {
            try {
                ProviderResult r = provider.call(request);
                ObjectNode out = Json.object();
                out.put("response", r.text() == null ? "" : r.text());
                if (r.toolCalls() != null && r.toolCalls().isArray() && !r.toolCalls().isEmpty()) {
                    out.set("tool_calls", r.toolCalls());
                }
                List<JsonDiff.Change> diff = JsonDiff.diff(recordedOutput, out);
                result = replay.finished(ReplayStatus.COMPLETED, "live", Canonical.canonicalize(out), !diff.isEmpty(),
                        JsonDiff.summary(diff), Canonical.canonicalize(JsonDiff.toJson(diff)), provider.name(),
                        r.model() != null ? r.model() : request.model(), r.latencyMs(), r.inputTokens(),
                        r.outputTokens(), r.finishReason(), r.systemFingerprint(), null);
            } catch (ProviderException e) {
                if (e.retryable() && !lastChance) {
                    replays.release(tenant, replayId, replay.attempts(), e.getMessage());
                    return Outcome.RETRY;
                }
                String error = e.retryable()
                        ? "gave up after " + replay.attempts() + " attempts: " + e.getMessage()
                        : e.getMessage();
                boolean finished = finish(tenant, replay, failed(replay, provider.name(), request.model(), error), started);
                // a message that kept failing goes on to the dead-letter queue, where the alarm sees it
                return finished && !e.retryable() ? Outcome.DONE : Outcome.RETRY;
            }
        }
        long resultBytes = Canonical.utf8Length(result.output()) + Canonical.utf8Length(result.diff());
        if (resultBytes > MAX_RESULT_BYTES) {
            // the replay item and its ledger entry hold the result inline (a DynamoDB item holds 400 KB)
            result = failed(replay, result.provider(), result.model(), "the replay's output and diff are " + resultBytes
                    + " bytes; replay results of at most " + MAX_RESULT_BYTES + " bytes can be recorded");
        }
        if (key != null) {
            // the result of a subject's decision is theirs too: sealed in the replay item and in the ledger entry
            String subject = decision.subjectId();
            result = result.withContent(replay.overrides(),
                    SealedReplay.seal(tenant, subject, replayId, "output", result.output(), key),
                    SealedReplay.seal(tenant, subject, replayId, "diff", result.diff(), key), false);
        }
        return finish(tenant, replay, result, started) ? Outcome.DONE : Outcome.RETRY;
    }

    /**
     * Largest replay output plus diff (canonical UTF-8 bytes) that is recorded; larger results (replays of large
     * decisions) finish as failed with the reason, rather than fail to commit on every delivery.
     */
    public static final int MAX_RESULT_BYTES = 180_000;

    private static ReplayRecord failed(ReplayRecord replay, String provider, String model, String error) {
        return replay.finished(ReplayStatus.FAILED, "error", null, false, null, null, provider, model, null, null,
                null, null, null, error);
    }

    /** Appends the replay entry and moves the replay to its final state in one transaction. @return false to retry */
    private boolean finish(String tenant, ReplayRecord replay, ReplayRecord result, long started) {
        boolean done = finish(tenant, replay, result);
        if (done && listener != null) listener.finished(result, clock.millis() - started);
        return done;
    }

    private boolean finish(String tenant, ReplayRecord replay, ReplayRecord result) {
        EntryContent content = EntryType.REPLAY.content()
                .set("decision_id", replay.decisionId())
                .set("replay_id", replay.replayId())
                .set("overrides", replay.overrides() == null ? null : Json.parseStored(replay.overrides()))
                .set("output", result.output() == null ? null : Json.parseStored(result.output()))
                .set("mode", result.mode())
                .set("provider", result.provider())
                .set("model", result.model())
                .set("status", result.status().wire())
                .set("error", result.error())
                .build();
        AppendRequest req = new AppendRequest(EntryType.REPLAY, replay.replayId(), replay.decisionId(), content.canonical(),
                content.hash(), new ReplayFinished(result, replay.attempts()), null);
        try {
            Ledger.Result r = ledger.append(new ChainKey(tenant, replay.chainId()), req);
            // Rejected: the claim no longer holds (another run finished it, or took over after the lease): done either way
            return r instanceof Ledger.Result.Committed || r instanceof Ledger.Result.Rejected;
        } catch (dev.loopgrid.core.ledger.LedgerException.Unavailable | dev.loopgrid.core.ledger.StoreException.Unavailable e) {
            return false;
        }
    }
}
