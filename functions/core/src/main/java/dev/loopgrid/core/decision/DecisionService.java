package dev.loopgrid.core.decision;

import dev.loopgrid.core.Ids;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainStore;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryContent;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.IdempotencyRecord;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.subject.DataKey;
import dev.loopgrid.core.subject.SubjectKeys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The decision use cases: record, read, list, flag as incorrect, attach a correction. Validation of
 * request bodies lives here, so every adapter rejects the same input the same way.
 */
public final class DecisionService {
    /** Largest canonical decision content stored inline (a DynamoDB item holds 400 KB and it is stored twice). */
    public static final int DEFAULT_MAX_CONTENT_BYTES = 180_000;
    /**
     * Largest canonical decision content that can be recorded at all (5 MiB), when a {@link ContentStore} holds what
     * is above the inline limit. Lambda takes at most 6 MB of request (the body travels JSON-escaped inside the
     * event) and gives at most 6 MB of response, so this leaves room for both.
     */
    public static final int DEFAULT_MAX_DECISION_BYTES = 5 * 1024 * 1024;
    public static final int MAX_NAME_LENGTH = 100;
    /** Service names starting with this are LoopGrid's own chains (e.g. a tenant's lifecycle chain). */
    public static final String RESERVED_SERVICE_PREFIX = "loopgrid:";
    public static final int MAX_KEY_LENGTH = 128;
    public static final int MAX_TEXT_LENGTH = 10_000;
    private static final long IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
    private static final int MAX_VERDICT_ATTEMPTS = 5;

    /** A recorded decision; {@code created} is false when an idempotent retry returned the original. */
    public record Recorded(DecisionRecord decision, boolean created) {}

    private final ChainStore chains;
    private final DecisionIndex index;
    private final ContentResolver resolver;
    private final Ledger ledger;
    private final Clock clock;
    private final int maxContentBytes;
    private final ContentStore contents;
    private final int maxDecisionBytes;
    private final SubjectKeys subjects;

    /**
     * @param chains           idempotency claims are read here
     * @param index            the decisions' read model, as stored (content under a key not read)
     * @param maxContentBytes  canonical bytes stored inline (also the limit of a correction)
     * @param contents         where decision content above {@code maxContentBytes} goes, or null: then nothing above
     *                         it can be recorded
     * @param maxDecisionBytes canonical bytes a decision may have at most when {@code contents} is set
     */
    public DecisionService(ChainStore chains, DecisionIndex index, Ledger ledger, Clock clock, int maxContentBytes,
                           ContentStore contents, int maxDecisionBytes) {
        this(chains, index, ledger, clock, maxContentBytes, contents, maxDecisionBytes, null);
    }

    /**
     * @param subjects the data subjects' keys: decisions naming a {@code subject_id} are sealed under them
     *                 ({@link SealedDecision}); null when none are configured (such decisions are then refused)
     */
    public DecisionService(ChainStore chains, DecisionIndex index, Ledger ledger, Clock clock, int maxContentBytes,
                           ContentStore contents, int maxDecisionBytes, SubjectKeys subjects) {
        if (contents != null && maxDecisionBytes < maxContentBytes) {
            throw new IllegalArgumentException("the largest decision (" + maxDecisionBytes
                    + " bytes) must not be smaller than the inline limit (" + maxContentBytes + " bytes)");
        }
        this.chains = chains;
        this.index = index;
        this.resolver = new ContentResolver(contents, subjects);
        this.subjects = subjects;
        this.ledger = ledger;
        this.clock = clock;
        this.maxContentBytes = maxContentBytes;
        this.contents = contents;
        this.maxDecisionBytes = contents == null ? maxContentBytes : maxDecisionBytes;
    }

    /** The largest canonical decision content this service records. */
    public int maxDecisionBytes() {
        return maxDecisionBytes;
    }

    /**
     * Records a decision. Content above the inline limit is first stored in the {@link ContentStore} under its
     * hash, and the ledger entry and the projection keep the hash and the key.
     *
     * @param idempotencyKey the Idempotency-Key header, or null
     * @throws LedgerException.Invalid     body fails validation
     * @throws LedgerException.TooLarge    content above {@link #maxDecisionBytes()}
     * @throws LedgerException.Conflict    key reused with another body
     * @throws LedgerException.Unavailable the content store failed (503)
     */
    public Recorded record(String tenant, JsonNode body, String idempotencyKey) {
        Object prepared = prepare(tenant, body, idempotencyKey, Keys.CLAIMED);
        if (prepared instanceof Recorded r) return r;
        return appendPrepared((Prepared) prepared, 0);
    }

    /**
     * How the idempotency keys of a batch's items are kept.
     */
    public enum Keys {
        /**
         * An idempotency claim item, written with the decision and kept 24 hours: the REST
         * API's Idempotency-Key (a key may be used for another decision after that).
         */
        CLAIMED,
        /**
         * The key identifies the decision for good: its id derives from the tenant and the key
         * ({@link Ids#decision(String, String)}), and the projection, which must not exist yet, is the claim. No claim
         * item, no expiry: while the decision exists, the key never records again. For keys that name one event for
         * ever, such as an OpenTelemetry span's trace and span id. A sealed decision (a {@code subject_id}) is claimed
         * as with {@link #CLAIMED}, since its stored content hash differs from one sealing to the next.
         */
        IDENTIFYING
    }

    /**
     * A validated, hashed (and, with a subject, sealed; when large, offloaded) decision ready to append; the
     * Idempotency-Key remembers {@code fingerprint}. {@code fixedId}: the decision's id when its key identifies it
     * ({@link Keys#IDENTIFYING}), then no claim is written; otherwise null.
     */
    private record Prepared(String tenant, String serviceName, String idempotencyKey, EntryType type, String canonical,
                            String contentHash, String fingerprint, String contentKey, String plaintext,
                            String decisionType, String model, Usage usage, String subjectId, String fixedId) {
        AppendRequest request(String decisionId, NewDecision change, long expiresAt) {
            AppendRequest.IdempotencyClaim claim = idempotencyKey == null || fixedId != null ? null
                    : new AppendRequest.IdempotencyClaim(idempotencyKey, fingerprint, expiresAt);
            return new AppendRequest(type, decisionId, decisionId, canonical, contentHash, change, claim, contentKey);
        }

        NewDecision change(String decisionId) {
            return new NewDecision(decisionId, decisionType, model, usage, subjectId);
        }
    }

    /** Validates, hashes, seals and offloads: a {@link Prepared}, or the {@link Recorded} original of a retry. */
    private Object prepare(String tenant, JsonNode body, String idempotencyKey, Keys keys) {
        if (idempotencyKey != null) validateKey(idempotencyKey);
        String subjectId = subjectId(body);
        ObjectNode content = decisionContent(body);
        String canonical = Canonical.canonicalize(content);
        byte[] utf8 = canonical.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > maxDecisionBytes) throw tooLarge(utf8.length);
        String serviceName = content.get("service_name").textValue();
        String decisionType = content.get("decision_type").textValue();
        String model = Counters.modelLabel(content.get("model"));
        Usage usage = Usage.of(content.get("metadata"));
        EntryType type = EntryType.DECISION;
        String plaintext = null;
        String fingerprint = null; // what an Idempotency-Key remembers of the request: its content hash unless sealed
        if (subjectId != null) {
            // sealed under the subject's key: the entry, the projection and any offloaded object hold ciphertext only
            DataKey key = subjects.forSealing(tenant, subjectId, serviceName);
            plaintext = canonical;
            fingerprint = SealedDecision.fingerprint(key, plaintext);
            content = SealedDecision.seal(tenant, subjectId, content, key);
            type = EntryType.SEALED_DECISION;
            canonical = Canonical.canonicalize(content);
            utf8 = canonical.getBytes(StandardCharsets.UTF_8);
            if (utf8.length > maxDecisionBytes) throw tooLarge(utf8.length);
        }
        String contentHash = Canonical.sha256Hex(utf8); // = EntryHasher.contentHash(canonical), without encoding twice
        if (fingerprint == null) fingerprint = contentHash;
        String fixedId = keys == Keys.IDENTIFYING && idempotencyKey != null && subjectId == null
                ? Ids.decision(tenant, idempotencyKey) : null;
        String contentKey = null;
        if (utf8.length > maxContentBytes) {
            // a retry of a request that was recorded already needs no upload
            if (fixedId != null) {
                Optional<DecisionRecord> prior = index.findDecision(tenant, fixedId);
                if (prior.isPresent()) return settleIdentified(tenant, idempotencyKey, fixedId, contentHash, prior.get());
            } else if (idempotencyKey != null) {
                Optional<IdempotencyRecord> prior = chains.findIdempotency(tenant, idempotencyKey);
                if (prior.isPresent()) {
                    if (!prior.get().contentHash().equals(fingerprint)) throw keyReused(idempotencyKey, prior.get().decisionId());
                    Optional<DecisionRecord> original = index.findDecision(tenant, prior.get().decisionId()).map(d -> resolver.resolve(tenant, d));
                    if (original.isPresent()) return new Recorded(original.get(), false);
                }
            }
            contentKey = offload(tenant, contentHash, utf8);
        }
        return new Prepared(tenant, serviceName, idempotencyKey, type, canonical, contentHash, fingerprint, contentKey,
                plaintext, decisionType, model, usage, subjectId, fixedId);
    }

    private long idempotencyExpiry() {
        return clock.instant().getEpochSecond() + IDEMPOTENCY_TTL_SECONDS;
    }

    /**
     * A decision whose id its key fixes ({@link Keys#IDENTIFYING}) was not appended because that id is taken: the
     * original when it is the same content, a conflict when not.
     */
    private Recorded settleIdentified(Prepared p) {
        Optional<DecisionRecord> prior = index.findDecision(p.tenant(), p.fixedId());
        if (prior.isEmpty()) {
            // the projection's condition failed but nothing is there: refused for another reason, or removed since
            throw new LedgerException.Unavailable("idempotency_unavailable", "The decision of idempotency key \""
                    + p.idempotencyKey() + "\" could neither be recorded nor read; retry later", 1);
        }
        return settleIdentified(p.tenant(), p.idempotencyKey(), p.fixedId(), p.contentHash(), prior.get());
    }

    private Recorded settleIdentified(String tenant, String key, String decisionId, String contentHash,
                                      DecisionRecord prior) {
        if (!prior.contentHash().equals(contentHash)) throw keyReused(key, decisionId);
        return new Recorded(resolver.resolve(tenant, prior), false);
    }

    private Recorded committed(Prepared p, NewDecision change, Entry entry) {
        DecisionRecord recorded = DecisionRecord.of(entry, change);
        return new Recorded(p.plaintext() == null ? recorded : recorded.withOpened(p.plaintext(), null), true);
    }

    /** Appends {@code p} alone, settling a taken Idempotency-Key by answering with what it was first used for. */
    private Recorded appendPrepared(Prepared p, int firstAttempt) {
        String tenant = p.tenant();
        String idempotencyKey = p.idempotencyKey();
        for (int attempt = firstAttempt; ; attempt++) {
            String decisionId = Ids.decision();
            NewDecision change = p.change(decisionId);
            Ledger.Result result = ledger.append(new ChainKey(tenant, p.serviceName()),
                    p.request(decisionId, change, idempotencyExpiry()));
            if (result instanceof Ledger.Result.Committed c) return committed(p, change, c.entry());
            // The key is taken: answer with what it was first used for.
            Optional<IdempotencyRecord> prior = chains.findIdempotency(tenant, idempotencyKey);
            if (prior.isEmpty()) {
                if (attempt < 2) continue; // it expired in between
                throw new LedgerException.Unavailable("idempotency_unavailable",
                        "Idempotency-Key could not be claimed; retry later", 1);
            }
            if (!prior.get().contentHash().equals(p.fingerprint())) throw keyReused(idempotencyKey, prior.get().decisionId());
            Optional<DecisionRecord> original = index.findDecision(tenant, prior.get().decisionId()).map(d -> resolver.resolve(tenant, d));
            if (original.isPresent()) return new Recorded(original.get(), false);
            if (attempt >= 2) {
                throw new LedgerException.Unavailable("idempotency_unavailable",
                        "The original decision of this Idempotency-Key is not readable yet; retry later", 1);
            }
        }
    }

    /** The most decisions one batch may carry. */
    public static final int MAX_BATCH = 100;

    /** One item of a batch: its decision, or why it was not recorded. */
    public record BatchItem(Recorded recorded, LedgerException error) {}

    /**
     * Records up to {@value #MAX_BATCH} decisions (each a record-decision body, optionally with an
     * {@code idempotency_key}) in as few transactions per chain as the ledger's batch limits allow. Every item is
     * answered on its own, in request order: a decision, or the 4xx/5xx error the same body would get alone. The
     * items of one chain keep their request order in the chain.
     *
     * @throws LedgerException.Invalid when {@code body} is not {@code {"decisions": [...]}} of 1..100 objects
     */
    public List<BatchItem> recordBatch(String tenant, JsonNode body) {
        return recordBatch(tenant, body, Keys.CLAIMED);
    }

    /**
     * {@link #recordBatch(String, JsonNode)}, with the items' {@code idempotency_key}s kept as {@code keys} says.
     */
    public List<BatchItem> recordBatch(String tenant, JsonNode body, Keys keys) {
        JsonNode list = body == null || !body.isObject() ? null : body.get("decisions");
        if (list == null || !list.isArray()) throw invalid("decisions", "is required: an array of decisions");
        if (list.isEmpty() || list.size() > MAX_BATCH) {
            throw invalid("decisions", "must hold 1.." + MAX_BATCH + " decisions (got " + list.size() + ")");
        }
        BatchItem[] out = new BatchItem[list.size()];
        java.util.Map<String, List<Integer>> byChain = new java.util.LinkedHashMap<>();
        Prepared[] prepared = new Prepared[list.size()];
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            try {
                if (!item.isObject()) throw invalid("decisions[" + i + "]", "must be an object");
                JsonNode key = item.get("idempotency_key");
                if (key != null && !key.isNull() && !key.isTextual()) throw invalid("idempotency_key", "must be a string");
                Object p = prepare(tenant, item, key == null || key.isNull() ? null : key.textValue(), keys);
                if (p instanceof Recorded r) {
                    out[i] = new BatchItem(r, null);
                } else {
                    prepared[i] = (Prepared) p;
                    byChain.computeIfAbsent(prepared[i].serviceName(), c -> new ArrayList<>()).add(i);
                }
            } catch (LedgerException e) {
                out[i] = new BatchItem(null, e);
            }
        }
        long expiresAt = idempotencyExpiry();
        for (var chain : byChain.entrySet()) {
            List<Integer> idx = chain.getValue();
            List<AppendRequest> requests = new ArrayList<>(idx.size());
            List<NewDecision> changes = new ArrayList<>(idx.size());
            for (int i : idx) {
                String decisionId = prepared[i].fixedId() != null ? prepared[i].fixedId() : Ids.decision();
                NewDecision change = prepared[i].change(decisionId);
                changes.add(change);
                requests.add(prepared[i].request(decisionId, change, expiresAt));
            }
            List<Ledger.Result> results = ledger.appendAll(new ChainKey(tenant, chain.getKey()), requests);
            for (int k = 0; k < idx.size(); k++) {
                int i = idx.get(k);
                Ledger.Result r = results.get(k);
                try {
                    if (r instanceof Ledger.Result.Committed c) {
                        out[i] = new BatchItem(committed(prepared[i], changes.get(k), c.entry()), null);
                    } else if (r instanceof Ledger.Result.Failed f) {
                        throw f.error();
                    } else if (prepared[i].fixedId() != null) {
                        // its id is taken (a retry, or twice in this batch): the original, or a conflict
                        out[i] = new BatchItem(settleIdentified(prepared[i]), null);
                    } else {
                        // its Idempotency-Key is taken (a retry, or twice in this batch): settled as a single append
                        out[i] = new BatchItem(appendPrepared(prepared[i], 1), null);
                    }
                } catch (LedgerException e) {
                    out[i] = new BatchItem(null, e);
                } catch (RuntimeException e) {
                    // never let one item's failure take the others' answers (some of them committed) with it
                    out[i] = new BatchItem(null, new LedgerException.Unavailable("append_failed", "This decision could"
                            + " not be appended (" + e.getClass().getSimpleName() + "); the other items are answered;"
                            + " retry this one", 1));
                }
            }
        }
        return java.util.Arrays.asList(out);
    }

    private LedgerException.TooLarge tooLarge(int bytes) {
        if (contents == null) {
            return new LedgerException.TooLarge("Decision content is " + bytes + " bytes in canonical form (RFC 8785);"
                    + " at most " + maxContentBytes + " bytes can be recorded here, because no storage for large"
                    + " decisions is configured (LOOPGRID_CONTENT_BUCKET)");
        }
        return new LedgerException.TooLarge("Decision content is " + bytes + " bytes in canonical form (RFC 8785);"
                + " at most " + maxDecisionBytes + " bytes" + (maxDecisionBytes % (1024 * 1024) == 0
                        ? " (" + maxDecisionBytes / (1024 * 1024) + " MiB)" : "") + " can be recorded");
    }

    private static LedgerException.Conflict keyReused(String idempotencyKey, String priorDecisionId) {
        return new LedgerException.Conflict("idempotency_key_reused", "Idempotency-Key \"" + idempotencyKey
                + "\" was already used with a different request body (decision " + priorDecisionId
                + "); use a new key for a new decision");
    }

    /** Stores large content before the append that references it (an unreferenced object is harmless). */
    private String offload(String tenant, String contentHash, byte[] utf8) {
        try {
            return contents.put(tenant, contentHash, utf8);
        } catch (StoreException.Unavailable e) {
            throw new LedgerException.Unavailable("content_storage_unavailable",
                    "The storage for large decisions is temporarily unavailable; retry later", 1);
        }
    }

    /** A decision with its content, read from the content store and checked against its hash where it lives there. */
    public DecisionRecord get(String tenant, String decisionId) {
        return resolver.resolve(tenant, getWithoutContent(tenant, decisionId));
    }

    /**
     * A decision's projection without reading content that lives in the {@link ContentStore}: such a record's
     * content is null (its status, chain and hashes are there). For callers that need no content.
     */
    public DecisionRecord getWithoutContent(String tenant, String decisionId) {
        return index.findDecision(tenant, decisionId).orElseThrow(() -> notFound(decisionId));
    }

    public DecisionPage list(String tenant, DecisionQuery query) {
        DecisionPage page = index.listDecisions(tenant, query);
        return new DecisionPage(resolver.resolve(tenant, page.decisions()), page.total(), page.hasMore(),
                page.nextCursor());
    }

    /** Flags a decision as incorrect; {@code body} may be null. */
    public DecisionRecord markIncorrect(String tenant, String decisionId, JsonNode body) {
        String reason = null;
        if (body != null && !body.isNull()) {
            if (!body.isObject()) throw invalid("body", "must be a JSON object");
            JsonNode r = body.get("reason");
            if (r != null && !r.isNull()) {
                if (!r.isTextual()) throw invalid("reason", "must be a string");
                reason = r.textValue();
                if (reason.length() > MAX_TEXT_LENGTH) {
                    throw invalid("reason", "must be at most " + MAX_TEXT_LENGTH + " characters");
                }
            }
        }
        EntryContent content = EntryType.FLAG.content().set("decision_id", decisionId).set("reason", reason).build();
        String finalReason = reason;
        return verdict(tenant, decisionId, content, Ids.flag(), d ->
                new StatusChange(decisionId, d.decisionType(), d.status(), DecisionStatus.INCORRECT, finalReason, null,
                        null, null, d.model(), d.createdAt()));
    }

    /** Attaches a human correction (ground truth). */
    public DecisionRecord attachCorrection(String tenant, String decisionId, JsonNode body) {
        List<LedgerException.FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) throw invalid("body", "must be a JSON object");
        JsonNode correction = body.get("correction");
        if (correction == null || correction.isNull()) errors.add(new LedgerException.FieldError("correction", "is required"));
        else if (!correction.isObject()) errors.add(new LedgerException.FieldError("correction", "must be an object"));
        String correctedBy = requiredName(body, "corrected_by", 200, errors);
        String notes = null;
        JsonNode n = body.get("notes");
        if (n != null && !n.isNull()) {
            if (!n.isTextual()) errors.add(new LedgerException.FieldError("notes", "must be a string"));
            else if (n.textValue().length() > MAX_TEXT_LENGTH) {
                errors.add(new LedgerException.FieldError("notes", "must be at most " + MAX_TEXT_LENGTH + " characters"));
            } else notes = n.textValue();
        }
        if (!errors.isEmpty()) throw new LedgerException.Invalid(errors);
        String correctionText = Canonical.canonicalize(correction);
        if (correctionText.getBytes(StandardCharsets.UTF_8).length > maxContentBytes) {
            throw new LedgerException.TooLarge("Correction is larger than " + maxContentBytes + " bytes in canonical form");
        }
        String finalNotes = notes;
        // a data subject's decision gets its correction sealed under the subject's key, notes included (the
        // correction is the decision's right output: the same personal data); who corrected stays in the clear
        java.util.Map<String, String> sealedText = new java.util.HashMap<>();
        DecisionRecord corrected = verdict(tenant, decisionId, d -> {
            if (d.subjectId() == null) {
                return EntryType.CORRECTION.content().set("decision_id", decisionId).set("correction", correction)
                        .set("corrected_by", correctedBy).set("notes", finalNotes).build();
            }
            if (d.erased()) throw erasedConflict(d);
            DataKey key = subjects.forSealing(tenant, d.subjectId(), d.chainId());
            ObjectNode sealed = SealedDecision.sealCorrection(tenant, d.subjectId(), decisionId, correction, finalNotes, key);
            sealedText.put(decisionId, Canonical.canonicalize(sealed));
            return EntryType.CORRECTION.content().set("decision_id", decisionId).set("correction", sealed)
                    .set("corrected_by", correctedBy).set("notes", (String) null).build();
        }, Ids.correction(), d -> d.subjectId() == null
                ? new StatusChange(decisionId, d.decisionType(), d.status(), DecisionStatus.CORRECTED, null,
                        correctionText, correctedBy, finalNotes, d.model(), d.createdAt())
                : new StatusChange(decisionId, d.decisionType(), d.status(), DecisionStatus.CORRECTED, null,
                        sealedText.get(decisionId), correctedBy, null, d.model(), d.createdAt()));
        return corrected.subjectId() == null ? corrected : corrected.withCorrection(correctionText, finalNotes);
    }

    private static LedgerException.Conflict erasedConflict(DecisionRecord d) {
        return new LedgerException.Conflict("decision_erased", "Decision " + abbreviate(d.decisionId())
                + " was erased at " + d.erasure().erasedAt() + " with its data subject's key; it takes no correction");
    }

    /**
     * Records that a human confirmed the decision as right: a {@code confirmation} entry with who and an optional note;
     * status {@code confirmed}. A decision humans found wrong stays so: confirming an incorrect or corrected decision
     * is a 409 {@code verdict_superseded} (a later flag or correction wins over a confirmation, never the reverse).
     * Confirming a confirmed decision again appends another confirmation (who and when are the newest one's).
     *
     * @throws LedgerException.Invalid  body fails validation
     * @throws LedgerException.NotFound unknown decision
     * @throws LedgerException.Conflict the decision is incorrect or corrected
     */
    public DecisionRecord confirm(String tenant, String decisionId, JsonNode body) {
        List<LedgerException.FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) throw invalid("body", "must be a JSON object");
        String confirmedBy = requiredName(body, "confirmed_by", 200, errors);
        String notes = optionalText(body, "notes", errors);
        if (!errors.isEmpty()) throw new LedgerException.Invalid(errors);
        EntryContent content = EntryType.CONFIRMATION.content().set("decision_id", decisionId)
                .set("confirmed_by", confirmedBy).set("notes", notes).build();
        return verdict(tenant, decisionId, content, Ids.confirmation(), d -> {
            if (d.status() == DecisionStatus.INCORRECT || d.status() == DecisionStatus.CORRECTED) {
                throw new LedgerException.Conflict("verdict_superseded", "Decision " + abbreviate(decisionId) + " is "
                        + d.status().wire() + "; a confirmation cannot overrule a flag or correction (the later flag or"
                        + " correction wins, and a confirmation may only follow none)");
            }
            return new StatusChange(decisionId, d.decisionType(), d.status(), DecisionStatus.CONFIRMED, null, null,
                    null, notes, d.model(), d.createdAt(), confirmedBy);
        });
    }

    private static String optionalText(JsonNode body, String field, List<LedgerException.FieldError> errors) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) errors.add(new LedgerException.FieldError(field, "must be a string"));
        else if (n.textValue().length() > MAX_TEXT_LENGTH) {
            errors.add(new LedgerException.FieldError(field, "must be at most " + MAX_TEXT_LENGTH + " characters"));
        } else return n.textValue();
        return null;
    }

    /**
     * Appends a verdict entry with the status change {@code change} makes of the decision's projection as read,
     * retrying when a concurrent verdict moved the status first. The model label and the decision's time that the
     * counters need come from the projection, never from parsing the content; the content is read (once per attempt,
     * before the append, so an unreadable object store fails the verdict before anything is written) only because the
     * answer shows the decision.
     */
    private DecisionRecord verdict(String tenant, String decisionId, EntryContent content, String entryId,
                                   java.util.function.Function<DecisionRecord, StatusChange> change) {
        return verdict(tenant, decisionId, d -> content, entryId, change);
    }

    /** {@link #verdict} whose entry content depends on the decision as read ({@code content} runs first). */
    private DecisionRecord verdict(String tenant, String decisionId,
                                   java.util.function.Function<DecisionRecord, EntryContent> contentFor, String entryId,
                                   java.util.function.Function<DecisionRecord, StatusChange> change) {
        for (int attempt = 1; ; attempt++) {
            DecisionRecord current = get(tenant, decisionId);
            EntryContent content = contentFor.apply(current);
            StatusChange sc = change.apply(current);
            checkProjectionFits(current, sc);
            AppendRequest req = new AppendRequest(content.type(), entryId, decisionId, content.canonical(),
                    content.hash(), sc, null);
            Ledger.Result result = ledger.append(new ChainKey(tenant, current.chainId()), req);
            if (result instanceof Ledger.Result.Committed c) {
                return current.apply(sc, c.entry());
            }
            if (attempt >= MAX_VERDICT_ATTEMPTS) {
                throw new LedgerException.Unavailable("conflict_retry_exhausted",
                        "Decision " + decisionId + " kept changing while recording this verdict; retry later", 1);
            }
        }
    }

    /** Bytes a decision's projection item may hold: DynamoDB's 400 KB item limit less room for the other attributes. */
    static final int MAX_PROJECTION_BYTES = 390_000;

    /**
     * A verdict must leave the projection (decision content unless it is stored under a key, correction, texts)
     * within one DynamoDB item.
     */
    private static void checkProjectionFits(DecisionRecord current, StatusChange change) {
        long bytes = (current.contentKey() == null ? utf8(current.content()) : 0)
                + utf8(change.correction() != null ? change.correction() : current.correction())
                + utf8(change.reason() != null ? change.reason() : current.incorrectReason())
                + utf8(change.next() != DecisionStatus.CONFIRMED && change.notes() != null ? change.notes()
                        : current.correctionNotes())
                + utf8(change.next() == DecisionStatus.CONFIRMED ? change.notes() : current.confirmationNotes())
                + utf8(change.correctedBy());
        if (bytes > MAX_PROJECTION_BYTES) {
            throw new LedgerException.TooLarge("The decision together with this verdict would be " + bytes
                    + " bytes; a decision stored inline and its correction, reason and notes must fit in "
                    + MAX_PROJECTION_BYTES + " bytes");
        }
    }

    private static long utf8(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }

    static LedgerException.NotFound notFound(String decisionId) {
        return new LedgerException.NotFound("decision_not_found", "Decision " + abbreviate(decisionId) + " not found");
    }

    private static String abbreviate(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "…";
    }

    private static LedgerException.Invalid invalid(String field, String message) {
        return new LedgerException.Invalid(List.of(new LedgerException.FieldError(field, message)));
    }

    private static void validateKey(String key) {
        boolean ok = !key.isEmpty() && key.length() <= MAX_KEY_LENGTH;
        for (int i = 0; ok && i < key.length(); i++) {
            char c = key.charAt(i);
            ok = c >= 0x21 && c <= 0x7e;
        }
        if (!ok) {
            throw new LedgerException.Malformed("invalid_idempotency_key",
                    "Idempotency-Key must be 1.." + MAX_KEY_LENGTH + " visible ASCII characters");
        }
    }

    /**
     * The optional {@code subject_id} of a record-decision body: the data subject the decision is about, whose key
     * its content is sealed under (erasable: docs/erasure.md). 1..128 visible characters (no spaces or controls); it
     * stays in the clear in the chain, so it must be a pseudonymous id (e.g. an internal user id), never an e-mail.
     */
    String subjectId(JsonNode body) {
        if (body == null || !body.isObject()) return null;
        JsonNode v = body.get("subject_id");
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw invalid("subject_id", "must be a string");
        String s = v.textValue();
        if (!validSubjectId(s)) {
            throw invalid("subject_id", "must be 1.." + SubjectKeys.MAX_SUBJECT_ID_LENGTH
                    + " visible ASCII characters (a pseudonymous id, e.g. an internal user id)");
        }
        if (subjects == null) {
            throw invalid("subject_id", "cannot be recorded here: no data-subject keys are configured"
                    + " (LOOPGRID_SUBJECT_KMS_KEY on AWS; the local stack has them)");
        }
        return s;
    }

    /** Whether {@code s} is a well-formed subject id: 1..128 visible ASCII characters. */
    public static boolean validSubjectId(String s) {
        if (s == null || s.isEmpty() || s.length() > SubjectKeys.MAX_SUBJECT_ID_LENGTH) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e) return false;
        }
        return true;
    }

    /** Validates a record-decision body and builds the hashed content (all eight members, absent ones null). */
    public static ObjectNode decisionContent(JsonNode body) {
        if (body == null || !body.isObject()) throw invalid("body", "must be a JSON object");
        List<LedgerException.FieldError> errors = new ArrayList<>();
        String service = requiredName(body, "service_name", MAX_NAME_LENGTH, errors);
        if (service != null && service.startsWith(RESERVED_SERVICE_PREFIX)) {
            errors.add(new LedgerException.FieldError("service_name", "must not start with \"" + RESERVED_SERVICE_PREFIX
                    + "\" (reserved for LoopGrid's own chains)"));
        }
        String type = requiredName(body, "decision_type", MAX_NAME_LENGTH, errors);
        if (CounterGroups.OTHER.equals(type)) {
            errors.add(new LedgerException.FieldError("decision_type", "must not be \"" + CounterGroups.OTHER
                    + "\" (reserved: the types beyond a chain's cap are counted under it)"));
        }
        JsonNode input = requiredObject(body, "input", errors);
        JsonNode model = requiredObject(body, "model", errors);
        if (model != null) {
            ObjectNode normalized = null;
            for (String f : new String[] {"provider", "name"}) {
                JsonNode v = model.get(f);
                if (v == null || v.isNull()) errors.add(new LedgerException.FieldError("model." + f, "is required"));
                else if (!v.isTextual()) errors.add(new LedgerException.FieldError("model." + f, "must be a string"));
                else if (v.textValue().isBlank()) errors.add(new LedgerException.FieldError("model." + f, "must not be blank"));
                else {
                    String nfc = Names.nfc(v.textValue());
                    String problem = Names.problem(nfc);
                    if (problem != null) errors.add(new LedgerException.FieldError("model." + f, problem));
                    else if (!nfc.equals(v.textValue())) {
                        if (normalized == null) normalized = ((ObjectNode) model).deepCopy();
                        normalized.put(f, nfc);
                    }
                }
            }
            if (normalized != null) model = normalized;
        }
        JsonNode output = requiredObject(body, "output", errors);
        JsonNode prompt = optional(body, "prompt", errors, JsonNode::isObject, "must be an object");
        JsonNode toolCalls = optional(body, "tool_calls", errors, DecisionService::isArrayOfObjects,
                "must be an array of objects");
        JsonNode metadata = optional(body, "metadata", errors, JsonNode::isObject, "must be an object");
        if (!errors.isEmpty()) throw new LedgerException.Invalid(errors);
        return EntryType.DECISION.content().set("service_name", service).set("decision_type", type)
                .set("input", input).set("model", model).set("output", output).set("prompt", prompt)
                .set("tool_calls", toolCalls).set("metadata", metadata).node();
    }

    private static boolean isArrayOfObjects(JsonNode n) {
        if (!n.isArray()) return false;
        for (JsonNode e : n) if (!e.isObject()) return false;
        return true;
    }

    private static String requiredName(JsonNode body, String field, int max, List<LedgerException.FieldError> errors) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            errors.add(new LedgerException.FieldError(field, "is required"));
            return null;
        }
        if (!v.isTextual()) {
            errors.add(new LedgerException.FieldError(field, "must be a string"));
            return null;
        }
        String s = Names.nfc(v.textValue());
        int len = s.codePointCount(0, s.length());
        if (len < 1 || len > max) {
            errors.add(new LedgerException.FieldError(field, "must be 1.." + max + " characters long (got " + len + ")"));
            return null;
        }
        if (s.isBlank()) {
            errors.add(new LedgerException.FieldError(field, "must not be blank"));
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                errors.add(new LedgerException.FieldError(field, "must not contain control characters"));
                return null;
            }
        }
        String problem = Names.problem(s);
        if (problem != null) {
            errors.add(new LedgerException.FieldError(field, problem));
            return null;
        }
        return s;
    }

    private static JsonNode requiredObject(JsonNode body, String field, List<LedgerException.FieldError> errors) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            errors.add(new LedgerException.FieldError(field, "is required"));
            return null;
        }
        if (!v.isObject()) {
            errors.add(new LedgerException.FieldError(field, "must be an object"));
            return null;
        }
        return v;
    }

    private static JsonNode optional(JsonNode body, String field, List<LedgerException.FieldError> errors,
                                     java.util.function.Predicate<JsonNode> ok, String message) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!ok.test(v)) {
            errors.add(new LedgerException.FieldError(field, message));
            return null;
        }
        return v;
    }
}
