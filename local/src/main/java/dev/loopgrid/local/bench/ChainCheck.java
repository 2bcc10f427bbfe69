package dev.loopgrid.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.Json;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a service's decisions back through the public list API (following {@code next_cursor}) and checks
 * that they form one linear chain. Valid only for a service that holds nothing but decisions (a fresh bench
 * service): then sequences must be exactly 1..N and each {@code previous_hash} the {@code chain_hash} of
 * the decision at sequence − 1 (64 zeros for sequence 1).
 *
 * <p>It also recomputes both hashes of every decision from the fields the API returns (DESIGN.md: "anyone
 * holding an API response can recompute both hashes"), and asks the server's own verifier.
 */
final class ChainCheck {

    /** What the list API said about one decision. */
    record Link(String decisionId, long sequence, String previousHash, String chainHash) {}

    /**
     * @param listed       decisions read through the list API
     * @param total        {@code total} of the first page
     * @param pages        pages fetched
     * @param pagingDups   decision ids returned more than once while paging (a listing bug, not a fork)
     * @param sequenceDups sequences held by two different decisions
     * @param gaps         sequences in 1..max held by no decision
     * @param forks        decisions sharing a {@code previous_hash} with an earlier one (beyond the first)
     * @param brokenLinks  decisions whose {@code previous_hash} is not the chain hash of sequence − 1
     * @param rehashBad    decisions whose content_hash or chain_hash does not recompute from the response
     * @param missing      decisions answered 201 during the run but not listed
     * @param pagingError  why paging stopped early, or null
     */
    record Report(int listed, long total, int pages, double readSeconds, long maxSequence, int pagingDups,
                  int sequenceDups, long gaps, int forks, int brokenLinks, int rehashBad, String firstRehashBad,
                  int missing, String pagingError) {

        boolean linear() {
            return pagingError == null && pagingDups == 0 && sequenceDups == 0 && gaps == 0 && forks == 0
                    && brokenLinks == 0 && rehashBad == 0 && missing == 0;
        }

        /** Forks as the summary line counts them: shared predecessors plus links to the wrong entry. */
        int forkCount() {
            return forks + brokenLinks;
        }

        String describe() {
            return String.format("chain: listed=%d total=%d pages=%d read=%.1fs max_sequence=%d gaps=%d "
                            + "sequence_dups=%d paging_dups=%d forks=%d broken_links=%d rehash_bad=%d missing=%d%s%s",
                    listed, total, pages, readSeconds, maxSequence, gaps, sequenceDups, pagingDups, forks,
                    brokenLinks, rehashBad, missing,
                    firstRehashBad == null ? "" : " first_rehash_bad=" + firstRehashBad,
                    pagingError == null ? "" : " PAGING ERROR: " + pagingError);
        }
    }

    /**
     * @param verified   {@code integrity.valid}
     * @param total      {@code integrity.total}
     * @param decisions  {@code integrity.decisions}
     * @param status     HTTP status of the call
     */
    record Verify(int status, boolean verified, long total, long decisions, String brokenAt, String message,
                  double seconds) {
        String describe() {
            if (status != 200) return String.format("verify: HTTP %d in %.2fs: %s", status, seconds, message);
            return String.format("verify: valid=%s total=%d decisions=%d in %.2fs%s — %s", verified, total, decisions,
                    seconds, brokenAt == null ? "" : " broken_at=" + brokenAt, message);
        }

        String summary() {
            return status != 200 ? "error(" + status + ")" : verified ? "valid" : "INVALID";
        }
    }

    private static final String PAGE_SIZE = "100";

    private ChainCheck() {}

    /**
     * @param recordedIds decision ids the bench got a 201 for (may be empty when not tracked)
     */
    static Report read(Api api, String service, Collection<String> recordedIds) {
        long t0 = System.nanoTime();
        List<Link> links = new ArrayList<>();
        Set<String> seenIds = new HashSet<>();
        Set<String> seenCursors = new HashSet<>();
        int pagingDups = 0;
        int rehashBad = 0;
        String firstRehashBad = null;
        long total = -1;
        int pages = 0;
        String pagingError = null;
        String cursor = null;
        while (true) {
            String path = "/v1/decisions?service_name=" + Api.enc(service) + "&page_size=" + PAGE_SIZE
                    + (cursor == null ? "" : "&cursor=" + Api.enc(cursor));
            Api.Reply r = api.get(path);
            pages++;
            if (r.status() != 200) {
                pagingError = "page " + pages + " answered " + r.errorKey() + ": " + abbreviate(r.body());
                break;
            }
            JsonNode page = Json.parseStored(r.body());
            if (total < 0) total = page.path("total").asLong(-1);
            JsonNode list = page.path("decisions");
            for (JsonNode d : list) {
                String id = d.path("decision_id").asText();
                if (!seenIds.add(id)) {
                    pagingDups++;
                    continue;
                }
                links.add(new Link(id, d.path("sequence").asLong(-1), text(d, "previous_hash"), text(d, "chain_hash")));
                String bad = rehash(d);
                if (bad != null) {
                    rehashBad++;
                    if (firstRehashBad == null) firstRehashBad = id + "(" + bad + ")";
                }
            }
            JsonNode next = page.get("next_cursor");
            boolean hasMore = page.path("has_more").asBoolean(false);
            if (next == null || next.isNull() || next.asText().isEmpty() || list.isEmpty()) {
                if (hasMore) pagingError = "has_more=true but no next_cursor on page " + pages;
                break;
            }
            cursor = next.asText();
            if (!seenCursors.add(cursor)) {
                pagingError = "next_cursor repeated on page " + pages;
                break;
            }
            if (total >= 0 && pages > total / 100 + 10) {
                pagingError = "more pages than total=" + total + " allows (" + pages + ")";
                break;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;

        links.sort(Comparator.comparingLong(Link::sequence));
        long maxSeq = links.isEmpty() ? 0 : links.get(links.size() - 1).sequence();
        Map<Long, Link> bySeq = new HashMap<>();
        int seqDups = 0;
        for (Link l : links) if (bySeq.putIfAbsent(l.sequence(), l) != null) seqDups++;
        long gaps = 0;
        for (long s = 1; s <= maxSeq; s++) if (!bySeq.containsKey(s)) gaps++;
        Set<String> predecessors = new HashSet<>();
        int forks = 0;
        int broken = 0;
        for (Link l : links) {
            if (!predecessors.add(String.valueOf(l.previousHash()))) forks++;
            String expected = l.sequence() == 1 ? EntryHasher.GENESIS
                    : bySeq.containsKey(l.sequence() - 1) ? bySeq.get(l.sequence() - 1).chainHash() : null;
            // a link whose predecessor is missing is already counted as a gap
            if (expected != null && !expected.equals(l.previousHash())) broken++;
        }
        int missing = 0;
        for (String id : recordedIds) if (!seenIds.contains(id)) missing++;
        return new Report(links.size(), total, pages, seconds, maxSeq, pagingDups, seqDups, gaps, forks, broken,
                rehashBad, firstRehashBad, missing, pagingError);
    }

    /** Null when both hashes recompute from the response's fields, else which one does not. */
    static String rehash(JsonNode d) {
        ObjectNode content = Json.object();
        for (String f : new String[] {"service_name", "decision_type", "input", "model", "output", "prompt",
                "tool_calls", "metadata"}) {
            JsonNode v = d.get(f);
            content.set(f, v == null ? NullNode.getInstance() : v);
        }
        String contentHash = Canonical.sha256Hex(Canonical.canonicalize(content));
        if (!contentHash.equals(text(d, "content_hash"))) return "content_hash";
        String id = text(d, "decision_id");
        String chainId = text(d, "chain_id");
        String createdAt = text(d, "created_at");
        String previous = text(d, "previous_hash");
        if (id == null || chainId == null || createdAt == null || previous == null) return "missing field";
        String chainHash = EntryHasher.chainHash(chainId, d.path("sequence").asLong(), "decision", id, id, createdAt,
                contentHash, previous);
        return chainHash.equals(text(d, "chain_hash")) ? null : "chain_hash";
    }

    static Verify verify(Api api, String service) {
        long t0 = System.nanoTime();
        Api.Reply r = api.get("/v1/integrity/verify?service_name=" + Api.enc(service));
        double s = (System.nanoTime() - t0) / 1e9;
        if (r.status() != 200) return new Verify(r.status(), false, 0, 0, null, abbreviate(r.body()), s);
        JsonNode i = Json.parseStored(r.body()).path("integrity");
        return new Verify(200, i.path("valid").asBoolean(false), i.path("total").asLong(-1),
                i.path("decisions").asLong(-1), text(i, "broken_at"), i.path("message").asText(""), s);
    }

    /** The decision ids in 201 response bodies. */
    static List<String> ids(String[] bodies) {
        List<String> ids = new ArrayList<>();
        if (bodies == null) return ids;
        for (String b : bodies) if (b != null) ids.add(Json.parseStored(b).path("decision_id").asText());
        return ids;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    static String abbreviate(String s) {
        if (s == null) return "(no body)";
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
