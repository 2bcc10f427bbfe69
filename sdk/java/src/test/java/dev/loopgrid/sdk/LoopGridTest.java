package dev.loopgrid.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.Routes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every method of the SDK against the local stack (in-process, in memory; replays run in simulation). */
class LoopGridTest {
    static LoopGrid grid;
    /** A service of its own per test run, so counts are exact. */
    static final String SERVICE = "java-sdk-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void client() {
        grid = LoopGrid.builder().baseUrl(TestStack.url()).serviceName(SERVICE).build();
    }

    static Decision record(String response) {
        return grid.recordDecision(NewDecision.builder("customer_support_reply")
                .input(Map.of("message", "I was charged twice"))
                .model("openai", "gpt-4")
                .output(Map.of("response", response))
                .prompt(Map.of("template", "support_v1", "text", "You are support."))
                .toolCalls(List.of(Map.of("name", "lookup_account", "arguments", Map.of("id", 7))))
                .metadata(Map.of("latency_ms", 1240, "tokens", 150))
                .build());
    }

    @Test
    void health_isHealthy() {
        Health h = grid.health();
        assertEquals("healthy", h.status());
        assertEquals("loopgrid", h.service());
        assertNotNull(h.version());
        assertEquals("healthy", h.raw().get("status").asText());
    }

    @Test
    void recordDecision_returnsTheTypedDecision_andGetDecisionReadsItBack() {
        // when
        Decision d = record("Your account looks fine.");

        // then
        assertTrue(d.decisionId().startsWith("dec_"), d.decisionId());
        assertEquals(SERVICE, d.serviceName());
        assertEquals("customer_support_reply", d.decisionType());
        assertEquals("recorded", d.status());
        assertEquals("I was charged twice", d.input().get("message").asText());
        assertEquals("gpt-4", d.model().get("name").asText());
        assertEquals("support_v1", d.prompt().get("template").asText());
        assertEquals("lookup_account", d.toolCalls().get(0).get("name").asText());
        assertEquals(1240, d.metadata().get("latency_ms").asInt());
        assertTrue(d.contentHash().matches("[0-9a-f]{64}"));
        assertTrue(d.chainHash().matches("[0-9a-f]{64}"));
        assertNotNull(d.createdAt());
        assertNotNull(d.sequence());
        assertEquals(SERVICE, d.chainId());
        assertNull(d.correction());
        assertEquals(d, grid.getDecision(d.decisionId()));
    }

    @Test
    void recordDecision_withTheSameIdempotencyKey_returnsTheOriginal() {
        String key = "k-" + UUID.randomUUID();
        NewDecision nd = NewDecision.builder("t").input(Map.of("q", 1)).model("openai", "gpt-4")
                .output(Map.of("response", "a")).idempotencyKey(key).build();
        Decision first = grid.recordDecision(nd);
        Decision again = grid.recordDecision(nd);
        assertEquals(first.decisionId(), again.decisionId());
        assertEquals(first.chainHash(), again.chainHash());
        // and a different key records anew: identical content, same content hash, new entry
        Decision other = grid.recordDecision("t", Map.of("q", 1), Map.of("provider", "openai", "name", "gpt-4"),
                Map.of("response", "a"));
        assertNotEquals(first.decisionId(), other.decisionId());
        assertEquals(first.contentHash(), other.contentHash());
    }

    @Test
    void listDecisions_filtersAndPages_andTheIteratorWalksEveryPage() {
        String service = SERVICE + "-list";
        LoopGrid g = LoopGrid.builder().baseUrl(TestStack.url()).serviceName(service).build();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(0, g.recordDecision("list", Map.of("i", i), Map.of("provider", "openai", "name", "gpt-4"),
                    Map.of("response", "r" + i)).decisionId());
        }
        DecisionQuery q = DecisionQuery.builder().serviceName(service).pageSize(3).build();

        DecisionPage first = g.listDecisions(q);
        assertEquals(7, first.total());
        assertEquals(3, first.decisions().size());
        assertEquals(3, first.pageSize());
        assertTrue(first.hasMore());
        assertNotNull(first.nextCursor());
        assertEquals(ids.subList(0, 3), first.decisions().stream().map(Decision::decisionId).toList(), "newest first");

        DecisionPage third = g.listDecisions(q.toBuilder().page(3).build());
        assertEquals(List.of(ids.get(6)), third.decisions().stream().map(Decision::decisionId).toList());
        assertFalse(third.hasMore());

        List<String> walked = new ArrayList<>();
        for (Decision d : g.iterateDecisions(q)) walked.add(d.decisionId());
        assertEquals(ids, walked);
        assertEquals(7, g.streamDecisions(DecisionQuery.builder().serviceName(service).build()).count());
        assertEquals(0, g.listDecisions(DecisionQuery.builder().serviceName(service).status("corrected").build()).total());
        assertEquals(0, g.listDecisions(DecisionQuery.builder().serviceName(service)
                .since(Instant.now().plusSeconds(3600)).build()).total());
        assertEquals(7, g.listDecisions(DecisionQuery.builder().serviceName(service).decisionType("list")
                .until(Instant.now().plusSeconds(3600)).build()).total());
    }

    @Test
    void confirmDecision_thenALaterFlagWins_andConfirmingAFlaggedDecisionIs409() {
        Decision d = record("Looks right.");
        Decision confirmed = grid.confirmDecision(d.decisionId(), "rev_1", "checked billing");
        assertEquals("confirmed", confirmed.status());
        assertEquals("rev_1", confirmed.confirmation().confirmedBy());
        assertEquals("checked billing", confirmed.confirmation().notes());
        assertNotNull(confirmed.confirmation().confirmedAt());
        assertNull(d.confirmation());
        assertEquals("incorrect", grid.markIncorrect(d.decisionId(), "no").status());
        LoopGridApiException e = assertThrows(LoopGridApiException.class,
                () -> grid.confirmDecision(d.decisionId(), "rev_1", null));
        assertEquals(409, e.status());
        assertEquals("verdict_superseded", e.code());
    }

    @Test
    void stats_countAService_accuracyOverTheReviewed_coverage_latencyAndTokens() {
        LoopGrid g = LoopGrid.builder().baseUrl(TestStack.url())
                .serviceName("java-stats-" + UUID.randomUUID().toString().substring(0, 8)).build();
        Decision a = g.recordDecision(NewDecision.builder("t").input(Map.of()).model("openai", "gpt-4")
                .output(Map.of("r", 1)).metadata(Map.of("latency_ms", 250, "tokens", Map.of("input", 10, "output", 5))).build());
        g.recordDecision(NewDecision.builder("t").input(Map.of()).model("openai", "gpt-4").output(Map.of("r", 2)).build());
        g.confirmDecision(a.decisionId(), "rev", null);
        var s = g.stats(g.serviceName());
        assertEquals(2, s.get("decisions").asLong());
        assertEquals(1, s.get("confirmed").asLong());
        assertEquals(100.0, s.get("accuracy_percent").asDouble());
        assertEquals(50.0, s.get("review_coverage_percent").asDouble());
        assertEquals("openai/gpt-4", s.at("/models/0/model").asText());
        assertEquals(1, s.at("/models/0/latency_ms/decisions").asLong());
        assertEquals(10, s.at("/models/0/tokens/input").asLong());
        assertEquals("unknown", s.at("/models/0/cost/status").asText(), "no price table on the test stack");
        assertEquals(1, s.at("/time_to_verdict/decisions").asLong());
    }

    @Test
    void decisionReplays_areListedOldestFirst_pageByPage() {
        Decision d = record("replay me");
        Replay first = grid.createReplay(d.decisionId(), null);
        Replay second = grid.createReplay(d.decisionId(), Map.of("prompt", Map.of("text", "again")));
        ReplayPage page = grid.listDecisionReplays(d.decisionId(), 1, null);
        assertEquals(List.of(first.replayId()), page.replays().stream().map(Replay::replayId).toList());
        assertTrue(page.hasMore());
        assertEquals(List.of(first.replayId(), second.replayId()),
                grid.decisionReplays(d.decisionId()).stream().map(Replay::replayId).toList());
        assertEquals(404, assertThrows(LoopGridApiException.class,
                () -> grid.listDecisionReplays("dec_unknown", 10, null)).status());
    }

    @Test
    void markIncorrect_thenAttachCorrection() {
        Decision d = record("Your account looks fine.");

        Decision flagged = grid.markIncorrect(d.decisionId(), "Missed billing issue");
        assertEquals("incorrect", flagged.status());
        assertEquals("Missed billing issue", flagged.incorrectReason());
        assertNotNull(flagged.incorrectAt());
        assertEquals(d.contentHash(), flagged.contentHash(), "the recorded content never changes");

        Decision corrected = grid.attachCorrection(d.decisionId(), Map.of("response", "Refund issued."), "agent_42",
                "Duplicate charge confirmed");
        assertEquals("corrected", corrected.status());
        assertEquals("Refund issued.", corrected.correction().output().get("response").asText());
        assertEquals("agent_42", corrected.correction().correctedBy());
        assertEquals("Duplicate charge confirmed", corrected.correction().notes());
        assertNotNull(corrected.correction().correctedAt());

        assertEquals("incorrect", grid.markIncorrect(record("x").decisionId()).status(), "reason is optional");
        assertNull(grid.attachCorrection(record("y").decisionId(), Map.of("response", "z"), "a").correction().notes());
    }

    @Test
    void replays_createWaitGetAndCompare() {
        Decision d = record("Your account looks fine.");

        // queued without waiting
        Replay pending = grid.createReplay(ReplayRequest.builder(d.decisionId()).triggeredBy("java-test").build());
        assertTrue(pending.replayId().startsWith("rep_"));
        assertEquals("java-test", pending.triggeredBy());
        Replay done = grid.waitForReplay(pending.replayId(), Duration.ofSeconds(30));
        assertTrue(done.isFinished(), done.toString());
        assertFalse(done.outputChanged(), "no overrides: same output");

        // with an improved prompt, waited for
        Replay improved = grid.createReplayAndWait(d.decisionId(),
                Map.of("prompt", Map.of("text", "Check billing history first.")), Duration.ofSeconds(30));
        assertEquals("completed", improved.executionStatus());
        assertEquals("simulated", improved.executionMode());
        assertTrue(improved.outputChanged());
        assertNotNull(improved.replayOutput());
        assertEquals("Check billing history first.", improved.overrides().at("/prompt/text").asText());
        assertFalse(improved.diff().isEmpty());
        assertEquals(improved.replayId(), grid.getReplay(improved.replayId()).replayId());

        Comparison c = grid.compare(d.decisionId(), improved.replayId());
        assertEquals("Your account looks fine.", c.originalOutput().get("response").asText());
        assertTrue(c.outputChanged());
        assertNotNull(c.diffSummary());
        assertEquals("/response", c.diff().get(0).path());
        assertEquals("replace", c.diff().get(0).op());

        // members given one by one
        Replay viaBuilder = grid.createReplayAndWait(ReplayRequest.builder(d.decisionId())
                .model(Map.of("name", "gpt-4o")).build(), Duration.ofSeconds(30));
        assertEquals("gpt-4o", viaBuilder.overrides().at("/model/name").asText());
    }

    @Test
    void verifyIntegrity_confirmsTheLedger() {
        record("a");
        IntegrityReport all = grid.verifyIntegrity();
        assertTrue(all.valid(), all.message());
        assertNull(all.brokenAt());
        assertTrue(all.total() >= 1);
        assertNull(all.serviceFilter());
        IntegrityReport one = grid.verifyIntegrity(SERVICE);
        assertTrue(one.valid());
        assertEquals(SERVICE, one.serviceFilter());
        assertTrue(one.headHash().matches("[0-9a-f]{64}"));
    }

    @Test
    void complianceReport_whenTheServerHasIt() {
        record("b");
        boolean routed = Routes.ALL.stream().anyMatch(r -> r.path().equals("/v1/compliance/report"));
        if (routed) {
            ComplianceReport r = grid.complianceReport(SERVICE);
            assertEquals("EU AI Act Compliance Assessment", r.reportType());
            assertEquals(SERVICE, r.serviceFilter());
            assertTrue(r.summary().path("total").asLong() >= 1);
            assertNotNull(r.articleStatus("article_12_record_keeping"));
            assertNotNull(grid.complianceReport().generatedAt());
        } else {
            // a server without the endpoint: the 404 comes back as an API error
            LoopGridApiException e = assertThrows(LoopGridApiException.class, () -> grid.complianceReport());
            assertEquals(404, e.status());
            assertEquals("route_not_found", e.code());
        }
    }

    @Test
    void replays_sayTheJavaSdkTriggeredThem_unlessTheRequestNamesATrigger() {
        Decision d = record("Who asked?");
        assertEquals(LoopGrid.CLIENT, grid.createReplay(d.decisionId(), null).triggeredBy());
        assertEquals("sdk-java/" + LoopGrid.VERSION, LoopGrid.CLIENT);
    }

    @Test
    void complianceReportHtml_isThePrintablePage() {
        record("c");
        String html = grid.complianceReportHtml(SERVICE);
        assertTrue(html.contains("LoopGrid Compliance Report"), html.substring(0, Math.min(300, html.length())));
        assertTrue(html.contains(SERVICE));
        assertTrue(grid.complianceReportHtml().contains("</html>"));
    }

    @Test
    void exports_jsonPagesCsvAndGroundTruth() {
        // given a service of three decisions, one of them corrected
        String service = SERVICE + "-export";
        LoopGrid g = LoopGrid.builder().baseUrl(TestStack.url()).serviceName(service).build();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(g.recordDecision("export", Map.of("i", i), Map.of("provider", "openai", "name", "gpt-4"),
                    Map.of("response", "r" + i)).decisionId());
        }
        g.attachCorrection(ids.get(1), Map.of("response", "fixed"), "agent_7", "wrong total");

        // JSON: paged by cursor, exact total
        DecisionPage first = g.exportDecisions(DecisionQuery.builder().serviceName(service).pageSize(2).build());
        assertEquals(3, first.total());
        assertEquals(2, first.decisions().size());
        assertTrue(first.hasMore());
        List<String> all = new ArrayList<>();
        for (Decision d : g.iterateExport(DecisionQuery.builder().serviceName(service).pageSize(2).build())) {
            all.add(d.decisionId());
        }
        assertEquals(ids.stream().sorted().toList(), all.stream().sorted().toList());
        assertEquals(List.of(ids.get(1)), g.exportDecisions(DecisionQuery.builder().serviceName(service)
                .status("corrected").build()).decisions().stream().map(Decision::decisionId).toList());
        assertThrows(IllegalArgumentException.class, () -> g.exportDecisions(DecisionQuery.builder().decisionType("x").build()));

        // CSV: the header row, then one row per decision
        String csv = g.exportDecisionsCsv(service, null);
        String[] lines = csv.strip().split("\r?\n");
        assertTrue(lines[0].startsWith("decision_id,created_at,service_name,decision_type,status,content_hash"), lines[0]);
        assertEquals(4, lines.length, csv);
        for (String id : ids) assertTrue(csv.contains(id), id);
        assertEquals(2, g.exportDecisionsCsv(service, "corrected").strip().split("\r?\n").length);

        // ground truth: the corrected decision, with its correction and both entries' hashes
        List<com.fasterxml.jackson.databind.JsonNode> truth = g.exportGroundTruth(service);
        assertEquals(1, truth.size());
        assertEquals(ids.get(1), truth.get(0).get("decision_id").asText());
        assertEquals("fixed", truth.get(0).at("/correction/response").asText());
        assertEquals("agent_7", truth.get(0).get("corrected_by").asText());
        assertTrue(truth.get(0).at("/decision_entry/chain_hash").asText().matches("[0-9a-f]{64}"));
    }

    @Test
    void apiKeys_createListRevoke() {
        // the local stack runs open: its caller may manage the tenant's keys
        String name = "java-sdk-" + UUID.randomUUID();
        ApiKey created = grid.createApiKey("auditor", name);
        assertTrue(created.apiKey().matches("lg_[A-Za-z0-9_-]{43}"), "the secret, once");
        assertTrue(created.keyId().startsWith("key_"));
        assertEquals("auditor", created.role());
        assertEquals(name, created.name());
        assertFalse(created.revoked());
        assertFalse(created.toString().contains(created.apiKey()), "toString never shows the secret");

        ApiKey listed = grid.listApiKeys().stream().filter(k -> k.keyId().equals(created.keyId())).findFirst().orElseThrow();
        assertNull(listed.apiKey(), "lists never carry the secret");
        assertEquals(created.prefix(), listed.prefix());

        ApiKey revoked = grid.revokeApiKey(created.keyId());
        assertTrue(revoked.revoked());
        assertNotNull(revoked.revokedAt());
        assertTrue(grid.revokeApiKey(created.keyId()).revoked(), "revoking again is harmless");

        LoopGridApiException unknown = assertThrows(LoopGridApiException.class, () -> grid.revokeApiKey("key_AAAAAAAAAAAAAAAA"));
        assertEquals(404, unknown.status());
        assertEquals("key_not_found", unknown.code());
        LoopGridApiException badRole = assertThrows(LoopGridApiException.class, () -> grid.createApiKey("owner", null));
        assertEquals(422, badRole.status());
        assertThrows(IllegalArgumentException.class, () -> grid.createApiKey(" ", null));
    }

    @Test
    void errors_mapToApiExceptions_withStatusCodeAndDetail() {
        LoopGridApiException notFound = assertThrows(LoopGridApiException.class, () -> grid.getDecision("dec_x"));
        assertEquals(404, notFound.status());
        assertEquals("decision_not_found", notFound.code());
        assertEquals("Decision dec_x not found", notFound.detail());
        assertTrue(notFound.getMessage().contains("Decision dec_x not found"));

        LoopGridApiException invalid = assertThrows(LoopGridApiException.class, () -> grid.recordDecision(
                NewDecision.builder("t").input(List.of(1)).model("openai", "gpt-4").output(Map.of()).build()));
        assertEquals(422, invalid.status());
        assertEquals("validation_failed", invalid.code());
        assertEquals("input", invalid.errors().get(0).field());

        assertEquals(404, assertThrows(LoopGridApiException.class, () -> grid.getReplay("rep_x")).status());
        assertEquals(404, assertThrows(LoopGridApiException.class, () -> grid.markIncorrect("dec_x")).status());
        assertEquals(404, assertThrows(LoopGridApiException.class,
                () -> grid.createReplay("dec_x", null)).status());
        Decision a = record("a");
        Replay ofB = grid.createReplayAndWait(record("b").decisionId(), null, Duration.ofSeconds(30));
        LoopGridApiException mismatch = assertThrows(LoopGridApiException.class,
                () -> grid.compare(a.decisionId(), ofB.replayId()));
        assertEquals(400, mismatch.status());
        assertEquals("replay_decision_mismatch", mismatch.code());
        assertEquals(400, assertThrows(LoopGridApiException.class, () -> grid.listDecisions(
                DecisionQuery.builder().pageSize(1000).build())).status());
        // ids are sent as one path segment, whatever they hold
        assertEquals(404, assertThrows(LoopGridApiException.class, () -> grid.getDecision("a/b c?d")).status());
    }

    @Test
    void builder_rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> LoopGrid.builder().baseUrl("localhost:8000").build());
        assertThrows(IllegalArgumentException.class, () -> LoopGrid.builder().timeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> LoopGrid.builder().maxRetries(-1));
        LoopGrid g = LoopGrid.builder().baseUrl("http://example.test/prod/").apiKey("secret").build();
        assertEquals("http://example.test/prod", g.baseUrl());
        assertEquals("default", g.serviceName());
        assertFalse(g.toString().contains("secret"));
    }
}
