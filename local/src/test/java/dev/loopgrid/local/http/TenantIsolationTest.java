package dev.loopgrid.local.http;

import static dev.loopgrid.local.http.AuthEndToEndTest.DECISION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.local.Main;
import dev.loopgrid.local.http.AuthEndToEndTest.Resp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two tenants on one stack, each with its own admin key, recording into a service of the same name:
 * neither can read, flag, correct, replay, compare, verify, report or export the other's data — an id of
 * the other tenant answers exactly like an unknown id — and their chains and counters stay separate.
 */
class TenantIsolationTest {
    static String acme;
    static String globex;

    @BeforeAll
    static void start() throws Exception {
        AuthEndToEndTest.stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0", "--require-keys"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        acme = AuthEndToEndTest.keysCreate("acme", "admin");
        globex = AuthEndToEndTest.keysCreate("globex", "admin");
    }

    @AfterAll
    static void stop() {
        if (AuthEndToEndTest.stack != null) AuthEndToEndTest.stack.close();
        AuthEndToEndTest.stack = null;
    }

    private static Resp as(String key, String method, String path, String body) {
        return AuthEndToEndTest.as(key, method, path, body);
    }

    /** The error body with the id replaced, so "another tenant's id" and "unknown id" can be compared exactly. */
    private static String normalised(Resp r, String id) {
        return r.status() + " " + r.body().replace(id, "<id>");
    }

    @Test
    void neitherTenantCanReachTheOthersData_andCountersStaySeparate() {
        // given: acme records three decisions, flags one, corrects one, replays one; globex records one
        List<String> acmeIds = new ArrayList<>();
        for (int i = 0; i < 3; i++) acmeIds.add(as(acme, "POST", "/v1/decisions", DECISION).json().get("decision_id").asText());
        String a = acmeIds.get(0);
        assertEquals(200, as(acme, "POST", "/v1/decisions/" + acmeIds.get(1) + "/incorrect", "{\"reason\": \"x\"}").status());
        assertEquals(200, as(acme, "POST", "/v1/decisions/" + acmeIds.get(2) + "/correction",
                "{\"correction\": {\"response\": \"y\"}, \"corrected_by\": \"rev\"}").status());
        Resp replay = as(acme, "POST", "/v1/replays?wait=20", "{\"decision_id\": \"" + a
                + "\", \"overrides\": {\"prompt\": {\"system\": \"changed\"}}}");
        assertEquals(200, replay.status(), replay.body());
        String rep = replay.json().get("replay_id").asText();
        String g = as(globex, "POST", "/v1/decisions", DECISION).json().get("decision_id").asText();
        String unknownDec = "dec_AAAAAAAAAAAAAAAAAAAAAA";
        String unknownRep = "rep_AAAAAAAAAAAAAAAAAAAAAA";

        // when globex aims at acme's ids, it gets exactly what an unknown id gets
        String[][] probes = {
                {"GET", "/v1/decisions/%s", null},
                {"POST", "/v1/decisions/%s/incorrect", "{\"reason\": \"sabotage\"}"},
                {"POST", "/v1/decisions/%s/correction", "{\"correction\": {\"r\": 1}, \"corrected_by\": \"x\"}"},
                {"POST", "/v1/replays", "{\"decision_id\": \"%s\"}"},
        };
        for (String[] p : probes) {
            // (String.format ignores the argument when the template has no %s)
            Resp foreign = as(globex, p[0], String.format(p[1], a), p[2] == null ? null : String.format(p[2], a));
            Resp unknown = as(globex, p[0], String.format(p[1], unknownDec),
                    p[2] == null ? null : String.format(p[2], unknownDec));
            assertEquals(404, foreign.status(), p[0] + " " + p[1] + " " + foreign.body());
            assertEquals(normalised(unknown, unknownDec), normalised(foreign, a), p[0] + " " + p[1]);
        }
        Resp foreignReplay = as(globex, "GET", "/v1/replays/" + rep, null);
        assertEquals(normalised(as(globex, "GET", "/v1/replays/" + unknownRep, null), unknownRep), normalised(foreignReplay, rep));
        assertEquals(404, foreignReplay.status());
        assertEquals(404, as(globex, "GET", "/v1/decisions/" + a + "/compare/" + rep, null).status());
        assertEquals(404, as(globex, "GET", "/v1/decisions/" + g + "/compare/" + rep, null).status());
        // acme's key ids are not globex's to revoke
        String acmeKeyId = as(acme, "GET", "/v1/admin/keys", null).json().get("keys").get(0).get("key_id").asText();
        assertEquals(404, as(globex, "DELETE", "/v1/admin/keys/" + acmeKeyId, null).status());
        assertEquals(1, as(globex, "GET", "/v1/admin/keys", null).json().get("total").asInt());

        // then: nothing of acme's shows up in anything globex lists, verifies, reports or exports
        for (String path : List.of("/v1/decisions", "/v1/decisions?service_name=support", "/v1/integrity/verify",
                "/v1/integrity/verify?service_name=support", "/v1/compliance/report", "/v1/compliance/report/html",
                "/v1/export/decisions", "/v1/export/decisions?format=csv", "/v1/export/ground-truth")) {
            Resp r = as(globex, "GET", path, null);
            assertEquals(200, r.status(), path + " " + r.body());
            for (String id : acmeIds) assertFalse(r.body().contains(id), path + " shows acme's " + id);
            assertFalse(r.body().contains(rep), path);
        }
        JsonNode gv = as(globex, "GET", "/v1/integrity/verify?service_name=support", null).json().get("integrity");
        JsonNode av = as(acme, "GET", "/v1/integrity/verify?service_name=support", null).json().get("integrity");
        assertTrue(gv.get("valid").asBoolean() && av.get("valid").asBoolean());
        assertEquals(1, gv.get("decisions").asInt());
        assertEquals(1, gv.get("total").asInt(), "globex's chain holds only its own entry");
        assertEquals(3, av.get("decisions").asInt());
        assertEquals(6, av.get("total").asInt(), "acme: 3 decisions + flag + correction + replay");
        assertFalse(gv.get("head_hash").asText().equals(av.get("head_hash").asText()));

        JsonNode gs = as(globex, "GET", "/v1/compliance/report", null).json().get("summary");
        JsonNode as = as(acme, "GET", "/v1/compliance/report", null).json().get("summary");
        assertEquals(1, gs.get("total").asInt());
        assertEquals(0, gs.get("incorrect").asInt() + gs.get("corrected").asInt());
        assertEquals(3, as.get("total").asInt());
        assertEquals(1, as.get("incorrect").asInt());
        assertEquals(1, as.get("corrected").asInt());
        assertEquals(1, as(globex, "GET", "/v1/decisions", null).json().get("total").asInt());
        assertEquals(3, as(acme, "GET", "/v1/decisions", null).json().get("total").asInt());
        // acme's flagged decision is untouched by globex's attempts
        assertEquals("incorrect", as(acme, "GET", "/v1/decisions/" + acmeIds.get(1), null).json().get("status").asText());
        assertEquals("recorded", as(acme, "GET", "/v1/decisions/" + a, null).json().get("status").asText());
    }
}
