package dev.loopgrid.core.lifecycle;

import dev.loopgrid.core.Ids;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryContent;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.Times;
import dev.loopgrid.core.subject.SubjectKeys;
import dev.loopgrid.core.subject.SubjectState;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Erasure by crypto-shredding, retention floors and legal holds. Every step is an entry of the tenant's lifecycle
 * chain ({@link #CHAIN}) written in one transaction with what it changes, so the history of holds, schedules and
 * erasures is as tamper-evident as the decisions:
 * <ul>
 *   <li>an erasure destroys the subject's data key (O(1), however many decisions the subject has) and appends an
 *       {@code erasure} entry; it is refused with 409 {@code legal_hold} while a hold covers the subject, one of their
 *       decisions or one of their services;</li>
 *   <li>an erasure of a subject whose latest decision is younger than the tenant's retention floor is scheduled
 *       for when the floor allows it (202), unless the request states a {@code legal_basis} that overrides the
 *       floor;</li>
 *   <li>point-in-time backups keep a destroyed key restorable for their window: an erasure is reported complete
 *       only once {@link Settings#backupWindow} has passed.</li>
 * </ul>
 */
public final class LifecycleService {
    /** The chain of every tenant that holds its lifecycle entries; service names may not start with {@code loopgrid:}. */
    public static final String CHAIN = DecisionService.RESERVED_SERVICE_PREFIX + "lifecycle";
    /** Service names reserved for LoopGrid's own chains start with this. */
    public static final int MAX_TEXT = 2_000;
    private static final int MAX_ATTEMPTS = 5;

    /**
     * @param defaultFloorDays the retention floor of tenants that set none (AI Act Art. 19 / 26(6): at least six months)
     * @param backupWindow     how long backups keep a destroyed key restorable (DynamoDB PITR: up to 35 days)
     */
    public record Settings(int defaultFloorDays, Duration backupWindow) {
        public static Settings defaults() {
            return new Settings(180, Duration.ofDays(35));
        }
    }

    private final LifecycleStore store;
    private final SubjectKeys subjects;
    private final DecisionService decisions;
    private final Ledger ledger;
    private final Clock clock;
    private final Settings settings;
    private final dev.loopgrid.core.report.ReportStore exports;

    public LifecycleService(LifecycleStore store, SubjectKeys subjects, DecisionService decisions, Ledger ledger,
                            Clock clock, Settings settings) {
        this(store, subjects, decisions, ledger, clock, settings, null);
    }

    /**
     * @param exports where stored exports live (an erasure deletes the tenant's: they were made from content the
     *                erasure must reach), or null when none are stored
     */
    public LifecycleService(LifecycleStore store, SubjectKeys subjects, DecisionService decisions, Ledger ledger,
                            Clock clock, Settings settings, dev.loopgrid.core.report.ReportStore exports) {
        this.exports = exports;
        this.store = store;
        this.subjects = subjects;
        this.decisions = decisions;
        this.ledger = ledger;
        this.clock = clock;
        this.settings = settings;
    }

    /** The outcome of an erasure request: erased now (200) or scheduled (202). */
    public record ErasureAnswer(boolean scheduled, ObjectNode body) {}

    /**
     * Erases a data subject: destroys their key, or schedules that when the retention floor does not allow it yet.
     *
     * @param body {@code reason} and/or {@code request_ref} (at least one), optional {@code legal_basis} (overrides the
     *             retention floor) and {@code requested_by}
     * @throws LedgerException.NotFound {@code subject_not_found}: no decision names the subject
     * @throws LedgerException.Conflict {@code legal_hold}: a hold covers the subject (the detail names it)
     */
    public ErasureAnswer erase(String tenant, String subjectId, JsonNode body, String actor) {
        requireSubjectId(subjectId);
        if (body == null || !body.isObject()) throw invalid("body", "must be a JSON object");
        List<LedgerException.FieldError> errors = new ArrayList<>();
        String reason = text(body, "reason", errors);
        String ref = text(body, "request_ref", errors);
        String legalBasis = text(body, "legal_basis", errors);
        String requestedBy = text(body, "requested_by", errors);
        if (reason == null && ref == null && errors.isEmpty()) {
            errors.add(new LedgerException.FieldError("reason", "is required unless request_ref is given"));
        }
        if (!errors.isEmpty()) throw new LedgerException.Invalid(errors);
        String by = requestedBy != null ? requestedBy : actor;
        for (int attempt = 1; ; attempt++) {
            SubjectState state = subjects.state(tenant, subjectId).orElseThrow(() -> new LedgerException.NotFound(
                    "subject_not_found", "No decision names data subject \"" + subjectId + "\""));
            if (state.erased()) return new ErasureAnswer(false, purgeExports(tenant, erasureBody(state, subjectId)));
            LifecycleStore.TenantState ts = store.state(tenant);
            blockingHold(tenant, subjectId, state).ifPresent(h -> {
                throw holdConflict(h, subjectId);
            });
            Instant notBefore = notBefore(state, ts);
            Instant now = clock.instant();
            if (legalBasis == null && notBefore.isAfter(now)) {
                return new ErasureAnswer(true, schedule(tenant, subjectId, notBefore, reason, ref, by));
            }
            EntryContent content = EntryType.ERASURE.content().set("subject_id", subjectId)
                    .set("key_id", state.keyId()).set("reason", reason).set("request_ref", ref)
                    .set("legal_basis", legalBasis).set("erased_by", by).build();
            Ledger.Result r = append(tenant, content, Ids.erasure(), new LifecycleChange.SubjectErased(subjectId,
                    state.keyId(), ts.version(), state.services(), reason, ref, state.scheduledFor()));
            if (r instanceof Ledger.Result.Committed c) {
                subjects.forget(tenant, subjectId);
                SubjectState after = new SubjectState(subjectId, state.keyId(), null, state.createdAt(),
                        state.lastUsedAt(), state.services(), c.entry().recordedAt(), reason != null ? reason : ref,
                        ref, c.entry().sequence(), null);
                return new ErasureAnswer(false, purgeExports(tenant, erasureBody(after, subjectId)));
            }
            // a hold, a new service or another erasure came in between: look again
            if (attempt >= MAX_ATTEMPTS) {
                throw new LedgerException.Unavailable("conflict_retry_exhausted", "Data subject " + subjectId
                        + " kept changing while erasing; retry later", 1);
            }
        }
    }

    /** The erasure state of a subject: {@code none}, {@code scheduled} or {@code erased} (complete or not yet). */
    public ObjectNode erasureStatus(String tenant, String subjectId) {
        requireSubjectId(subjectId);
        SubjectState state = subjects.state(tenant, subjectId).orElseThrow(() -> new LedgerException.NotFound(
                "subject_not_found", "No decision names data subject \"" + subjectId + "\""));
        if (state.erased()) return erasureBody(state, subjectId);
        ObjectNode o = Json.object();
        o.put("subject_id", subjectId);
        Optional<LifecycleStore.ScheduledErasure> s = store.scheduled(tenant, subjectId);
        if (s.isPresent()) {
            o.put("status", "scheduled");
            o.put("run_at", s.get().runAt());
            o.put("reason", s.get().reason());
            o.put("request_ref", s.get().requestRef());
        } else {
            o.put("status", "none");
        }
        o.put("erased", false);
        return o;
    }

    /** Runs the scheduled erasures that are due (a sweep: local loop, or a scheduled function on AWS). */
    public int runDue(int limit) {
        int done = 0;
        for (LifecycleStore.ScheduledErasure s : store.due(Times.format(clock.instant()), limit)) {
            ObjectNode body = Json.object();
            body.put("reason", s.reason());
            body.put("request_ref", s.requestRef());
            body.put("requested_by", s.requestedBy());
            try {
                ErasureAnswer a = erase(s.tenant(), s.subjectId(), body, "scheduler");
                if (!a.scheduled()) done++;
            } catch (LedgerException.Conflict e) {
                // held: it stays due and runs once the hold is released
            } catch (LedgerException.NotFound e) {
                // nothing to erase
            }
        }
        return done;
    }

    // ---- holds ----

    /** Places a legal hold: {@code scope} (decision, subject, service), {@code target}, {@code reason}, optional {@code case_ref}. */
    public Hold placeHold(String tenant, JsonNode body, String actor) {
        if (body == null || !body.isObject()) throw invalid("body", "must be a JSON object");
        List<LedgerException.FieldError> errors = new ArrayList<>();
        String scope = text(body, "scope", errors);
        String target = text(body, "target", errors);
        String reason = text(body, "reason", errors);
        String caseRef = text(body, "case_ref", errors);
        String placedBy = text(body, "placed_by", errors);
        if (scope == null) errors.add(new LedgerException.FieldError("scope", "is required (decision, subject or service)"));
        else if (!List.of(Hold.DECISION, Hold.SUBJECT, Hold.SERVICE).contains(scope)) {
            errors.add(new LedgerException.FieldError("scope", "must be decision, subject or service"));
        }
        if (target == null) errors.add(new LedgerException.FieldError("target", "is required"));
        if (reason == null) errors.add(new LedgerException.FieldError("reason", "is required"));
        if (!errors.isEmpty()) throw new LedgerException.Invalid(errors);
        String subjectId = null;
        if (Hold.DECISION.equals(scope)) {
            DecisionRecord d = decisions.getWithoutContent(tenant, target);
            subjectId = d.subjectId();
        } else if (Hold.SUBJECT.equals(scope) && !DecisionService.validSubjectId(target)) {
            throw invalid("target", "must be a subject id: 1..128 visible ASCII characters");
        }
        String holdId = Ids.hold();
        String by = placedBy != null ? placedBy : actor;
        EntryContent content = EntryType.HOLD.content().set("hold_id", holdId).set("scope", scope).set("target", target)
                .set("reason", reason).set("case_ref", caseRef).set("placed_by", by).build();
        for (int attempt = 1; ; attempt++) {
            Hold pending = new Hold(holdId, scope, target, subjectId, reason, caseRef, by, null, 0);
            Ledger.Result r = append(tenant, content, holdId, new LifecycleChange.HoldPlaced(pending));
            if (r instanceof Ledger.Result.Committed c) {
                return new Hold(holdId, scope, target, subjectId, reason, caseRef, by, c.entry().recordedAt(),
                        c.entry().sequence());
            }
            if (attempt >= MAX_ATTEMPTS) {
                throw new LedgerException.Unavailable("conflict_retry_exhausted", "The hold could not be placed; retry later", 1);
            }
        }
    }

    /** Releases a hold ({@code reason} optional). */
    public Hold releaseHold(String tenant, String holdId, String reason, String actor) {
        if (reason != null && reason.length() > MAX_TEXT) throw invalid("reason", "must be at most " + MAX_TEXT + " characters");
        Hold hold = holds(tenant).stream().filter(h -> h.holdId().equals(holdId)).findFirst()
                .orElseThrow(() -> new LedgerException.NotFound("hold_not_found", "No hold " + abbreviate(holdId)
                        + " is in place"));
        EntryContent content = EntryType.HOLD_RELEASE.content().set("hold_id", holdId).set("reason", reason)
                .set("released_by", actor).build();
        Ledger.Result r = append(tenant, content, Ids.holdRelease(), new LifecycleChange.HoldReleased(holdId));
        if (r instanceof Ledger.Result.Committed) return hold;
        throw new LedgerException.NotFound("hold_not_found", "Hold " + holdId + " was released meanwhile");
    }

    /** The holds in place. */
    public List<Hold> holds(String tenant) {
        return store.holds(tenant);
    }

    // ---- retention ----

    /** The tenant's retention floor: {@code floor_days} and whether it is the default. */
    public ObjectNode retention(String tenant) {
        Integer days = store.state(tenant).floorDays();
        ObjectNode o = Json.object();
        o.put("floor_days", days != null ? days : settings.defaultFloorDays());
        o.put("default", days == null);
        return o;
    }

    /** Sets the tenant's retention floor ({@code floor_days}, 0..36500). */
    public ObjectNode setRetention(String tenant, JsonNode body, String actor) {
        if (body == null || !body.isObject()) throw invalid("body", "must be a JSON object");
        JsonNode d = body.get("floor_days");
        if (d == null || !d.canConvertToInt() || !d.isIntegralNumber() || d.intValue() < 0 || d.intValue() > 36_500) {
            throw invalid("floor_days", "must be a whole number of days, 0..36500");
        }
        EntryContent content = EntryType.RETENTION.content().set("floor_days", com.fasterxml.jackson.databind.node.IntNode.valueOf(d.intValue()))
                .set("set_by", actor).build();
        for (int attempt = 1; ; attempt++) {
            if (append(tenant, content, Ids.retention(), new LifecycleChange.RetentionSet(d.intValue()))
                    instanceof Ledger.Result.Committed) {
                return retention(tenant);
            }
            if (attempt >= MAX_ATTEMPTS) {
                throw new LedgerException.Unavailable("conflict_retry_exhausted", "The retention floor could not be set; retry later", 1);
            }
        }
    }

    // ---- helpers ----

    private Optional<Hold> blockingHold(String tenant, String subjectId, SubjectState state) {
        for (Hold h : store.holds(tenant)) if (h.blocks(subjectId, state.services())) return Optional.of(h);
        return Optional.empty();
    }

    private static LedgerException.Conflict holdConflict(Hold h, String subjectId) {
        return new LedgerException.Conflict("legal_hold", "Data subject " + subjectId + " cannot be erased: legal hold "
                + h.holdId() + " on " + h.scope() + " " + h.target() + " (" + h.reason()
                + (h.caseRef() != null ? ", case " + h.caseRef() : "") + ") is in place; release it first");
    }

    /** The earliest the floor allows erasing: the subject's latest use (plus the touch margin) plus the floor. */
    private Instant notBefore(SubjectState state, LifecycleStore.TenantState ts) {
        int days = ts.floorDays() != null ? ts.floorDays() : settings.defaultFloorDays();
        Instant last = parse(state.lastUsedAt() != null ? state.lastUsedAt() : state.createdAt());
        if (days == 0) return last; // no floor: nothing to wait for
        return last.plus(SubjectKeys.TOUCH_INTERVAL).plus(Duration.ofDays(days)).truncatedTo(ChronoUnit.SECONDS);
    }

    private ObjectNode schedule(String tenant, String subjectId, Instant runAt, String reason, String ref, String by) {
        String at = Times.format(runAt);
        Optional<LifecycleStore.ScheduledErasure> existing = store.scheduled(tenant, subjectId);
        if (existing.isEmpty() || !existing.get().runAt().equals(at)) {
            LifecycleStore.ScheduledErasure s = new LifecycleStore.ScheduledErasure(tenant, subjectId, at, reason, ref, by);
            EntryContent content = EntryType.ERASURE_SCHEDULED.content().set("subject_id", subjectId).set("run_at", at)
                    .set("reason", reason).set("request_ref", ref).set("requested_by", by).build();
            Ledger.Result r = append(tenant, content, Ids.erasure(), new LifecycleChange.ErasureScheduled(s,
                    existing.map(LifecycleStore.ScheduledErasure::runAt).orElse(null)));
            if (!(r instanceof Ledger.Result.Committed)) {
                throw new LedgerException.Unavailable("conflict_retry_exhausted", "The erasure of " + subjectId
                        + " was scheduled concurrently; retry to read its schedule", 1);
            }
        }
        ObjectNode o = Json.object();
        o.put("subject_id", subjectId);
        o.put("status", "scheduled");
        o.put("run_at", at);
        o.put("erased", false);
        o.put("detail", "The subject's latest decision is younger than the retention floor; the erasure runs at "
                + at + " unless a hold is placed. A request with a legal_basis overrides the floor.");
        return o;
    }

    /**
     * Deletes the tenant's stored exports (every version): they may hold the erased content in the clear. They are
     * downloads, made again on request. A storage failure leaves the erasure done and says so: asking again retries.
     */
    private ObjectNode purgeExports(String tenant, ObjectNode body) {
        if (exports == null) return body;
        try {
            body.put("stored_exports_deleted", exports.deleteAll(dev.loopgrid.core.report.ExportService.exportsPrefix(tenant)));
        } catch (LedgerException.Unavailable e) {
            body.put("stored_exports_deleted", (String) null);
            body.put("stored_exports_problem", "the tenant's stored exports could not be deleted now (" + e.detail()
                    + "); request the erasure again to retry");
        }
        return body;
    }

    private ObjectNode erasureBody(SubjectState state, String subjectId) {
        Instant erased = parse(state.erasedAt());
        Instant completeAfter = erased.plus(settings.backupWindow());
        ObjectNode o = Json.object();
        o.put("subject_id", subjectId);
        o.put("status", "erased");
        o.put("erased", true);
        o.put("erased_at", state.erasedAt());
        o.put("reason", state.erasureReason());
        if (state.erasureRef() != null) o.put("request_ref", state.erasureRef());
        o.put("key_id", state.keyId());
        if (state.erasureSequence() > 0) o.put("erasure_sequence", state.erasureSequence());
        o.put("complete", !completeAfter.isAfter(clock.instant()));
        o.put("complete_after", Times.format(completeAfter));
        o.put("detail", "The subject's data key is destroyed: no read, list, export, replay or report can reveal the"
                + " content sealed under it. Point-in-time backups keep the destroyed key restorable until "
                + Times.format(completeAfter) + "; the erasure is complete then.");
        return o;
    }

    private Ledger.Result append(String tenant, EntryContent content, String id, LifecycleChange change) {
        return ledger.append(new ChainKey(tenant, CHAIN), new AppendRequest(content.type(), id, id, content.canonical(),
                content.hash(), change, null));
    }

    /** The JSON of a hold. */
    public static ObjectNode holdJson(Hold h) {
        ObjectNode o = Json.object();
        o.put("hold_id", h.holdId());
        o.put("scope", h.scope());
        o.put("target", h.target());
        if (h.subjectId() != null) o.put("subject_id", h.subjectId());
        o.put("reason", h.reason());
        o.put("case_ref", h.caseRef());
        o.put("placed_by", h.placedBy());
        o.put("placed_at", h.placedAt());
        if (h.sequence() > 0) o.put("sequence", h.sequence());
        return o;
    }

    /** Whether a ledger entry is one of the lifecycle's. */
    public static boolean isLifecycle(Entry e) {
        return e.type() == EntryType.HOLD || e.type() == EntryType.HOLD_RELEASE || e.type() == EntryType.ERASURE
                || e.type() == EntryType.ERASURE_SCHEDULED || e.type() == EntryType.RETENTION;
    }

    private static void requireSubjectId(String subjectId) {
        if (!DecisionService.validSubjectId(subjectId)) {
            throw new LedgerException.Malformed("invalid_subject_id",
                    "subject_id must be 1..128 visible ASCII characters");
        }
    }

    private static String text(JsonNode body, String field, List<LedgerException.FieldError> errors) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) {
            errors.add(new LedgerException.FieldError(field, "must be a string"));
            return null;
        }
        String s = v.textValue();
        if (s.isBlank()) {
            errors.add(new LedgerException.FieldError(field, "must not be blank"));
            return null;
        }
        if (s.length() > MAX_TEXT) {
            errors.add(new LedgerException.FieldError(field, "must be at most " + MAX_TEXT + " characters"));
            return null;
        }
        return s;
    }

    private static Instant parse(String at) {
        return Instant.parse(at);
    }

    private static String abbreviate(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "…";
    }

    private static LedgerException.Invalid invalid(String field, String message) {
        return new LedgerException.Invalid(List.of(new LedgerException.FieldError(field, message)));
    }
}
