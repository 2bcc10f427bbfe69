package dev.loopgrid.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;

/** The authorizer and throttling settings the CDK app reads from context ({@code -c loopgrid:…=…}). */
class AppSettingsTest {

    private static ApiConstruct.Auth auth(Map<String, Object> context) {
        return LoopGridApp.authFrom(new App(AppProps.builder().context(context).build()));
    }

    @Test
    void noContext_requiresKeys_withNoRegisteredTenant_andTheDefaults() {
        assertEquals(new ApiConstruct.Auth(false, List.of(), 50, 100, 60, 0), auth(Map.of()));
    }

    @Test
    void commandLineContext_isParsed() {
        assertEquals(new ApiConstruct.Auth(false, List.of("acme", "globex"), 20.5, 40, 15, 300), auth(Map.of(
                "loopgrid:tenants", "acme, globex",
                "loopgrid:tenantRate", "20.5",
                "loopgrid:tenantBurst", "40",
                "loopgrid:keyCacheSeconds", "15",
                "loopgrid:gatewayCacheSeconds", "300")));
        assertTrue(auth(Map.of("loopgrid:openApi", "true")).open());
    }

    @Test
    void cdkJsonContext_mayListTheTenants_andGiveNumbers() {
        ApiConstruct.Auth a = auth(Map.of("loopgrid:tenants", List.of("acme", "globex"), "loopgrid:tenantBurst", 40));
        assertEquals(List.of("acme", "globex"), a.tenants());
        assertEquals(40, a.tenantBurst());
    }

    @Test
    void malformedSettings_stopTheApp_namingTheSetting() {
        Map<String, Map<String, Object>> bad = Map.of(
                "loopgrid:tenants", Map.of("loopgrid:tenants", "Acme Corp"),
                "loopgrid:tenants twice", Map.of("loopgrid:tenants", "acme,acme"),
                "loopgrid:openApi", Map.of("loopgrid:openApi", "yes"),
                "loopgrid:tenantRate", Map.of("loopgrid:tenantRate", "fast"),
                "loopgrid:tenantBurst", Map.of("loopgrid:tenantBurst", "0"),
                "loopgrid:gatewayCacheSeconds", Map.of("loopgrid:gatewayCacheSeconds", "3601"),
                "loopgrid:keyCacheSeconds", Map.of("loopgrid:keyCacheSeconds", "1.5"));
        bad.forEach((setting, context) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> auth(context), setting);
            assertTrue(e.getMessage().contains(setting.split(" ")[0]), setting + ": " + e.getMessage());
        });
    }

    private static VerifiableLogConstruct.Settings log(Map<String, Object> context) {
        return LoopGridApp.logFrom(new App(AppProps.builder().context(context).build()));
    }

    @Test
    void verifiableLog_defaultsTo180DaysOfLockedCheckpoints_every5Seconds() {
        assertEquals(new VerifiableLogConstruct.Settings(180, 5000), log(Map.of()));
        assertEquals(VerifiableLogConstruct.Settings.DEFAULTS, log(Map.of()));
        assertEquals(new VerifiableLogConstruct.Settings(365, 1000),
                log(Map.of("loopgrid:checkpointRetentionDays", "365", "loopgrid:checkpointIntervalMs", 1000)));
    }

    @Test
    void malformedLogSettings_stopTheApp_namingTheSetting() {
        Map<String, Map<String, Object>> bad = Map.of(
                "loopgrid:checkpointRetentionDays", Map.of("loopgrid:checkpointRetentionDays", "0"),
                "loopgrid:checkpointRetentionDays fraction", Map.of("loopgrid:checkpointRetentionDays", "1.5"),
                "loopgrid:checkpointIntervalMs", Map.of("loopgrid:checkpointIntervalMs", "500"),
                "loopgrid:checkpointIntervalMs long", Map.of("loopgrid:checkpointIntervalMs", "60000"));
        bad.forEach((setting, context) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log(context), setting);
            assertTrue(e.getMessage().contains(setting.split(" ")[0]), setting + ": " + e.getMessage());
        });
    }
}
