package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.monitoring;

import static dev.loopgrid.cdk.Synthesized.resources;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The cost section of docs/deploy.md counts the alarms the synthesized template really has, and prices them. */
class DeployDocAlarmsTest {
    static final Pattern ALARMS = Pattern.compile("CloudWatch: (\\d+) standard alarms \\([^)]*\\) × \\$0\\.10 = \\$(\\d+\\.\\d\\d)/month");

    @Test
    void deployDoc_countsAndPricesEveryAlarmOfTheTemplate() throws IOException {
        Path root = Path.of(System.getProperty("loopgrid.repoRoot", "..")).toAbsolutePath().normalize();
        String doc = Files.readString(root.resolve("docs/deploy.md"), StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        Matcher m = ALARMS.matcher(doc);
        assertTrue(m.find(), "docs/deploy.md has no line \"CloudWatch: N standard alarms (…) × $0.10 = $X/month\"");

        int alarms = monitoring().findResources("AWS::CloudWatch::Alarm").size();
        assertEquals(alarms, Integer.parseInt(m.group(1)), "alarms counted in docs/deploy.md");
        assertEquals(new BigDecimal("0.10").multiply(BigDecimal.valueOf(alarms)), new BigDecimal(m.group(2)),
                "their monthly price in docs/deploy.md");
    }
}
