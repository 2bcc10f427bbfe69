package dev.loopgrid.local.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTML report in a real browser: headless Chromium (Debian package {@code chromium}, which .ci/run installs)
 * prints it to PDF, and the PDF's text (pdftotext, Debian {@code poppler-utils}) must show the title, the integrity
 * badge and the article table, show the hostile names as text, and show no trace of a script having run.
 * Skipped, saying so, only where Chromium or pdftotext is not installed.
 */
class BrowserReportTest {
    static final String SCRIPT = "<script>document.body.append('XSS'+'-RAN')</script>";
    static final String IMG = "\"><img src=x onerror=\"document.body.append('IMG'+'-RAN')\">";
    static ReportStack stack;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(onPath("chromium"), "chromium is not installed (apt-get install chromium); .ci/run installs it");
        assumeTrue(onPath("pdftotext"), "pdftotext is not installed (apt-get install poppler-utils); .ci/run installs it");
        dir = Files.createTempDirectory("loopgrid-browser-");
        stack = new ReportStack(5 * 1024 * 1024);
        String a = stack.record(SCRIPT, IMG, "openai", "gpt-4", "<img src=x onerror=\"document.body.append('OUT'+'-RAN')\">");
        stack.record("Zürich-Støtte ✓", "customer_support_reply", "openai", "gpt-4o", "ok");
        stack.flag(a, SCRIPT);
        stack.correct(a, "</td><script>document.body.append('COR'+'-RAN')</script>", "agent_42");
    }

    @AfterAll
    static void stop() throws IOException {
        if (stack != null) stack.close();
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, command))) return true;
        }
        return false;
    }

    static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "timed out: " + command);
        assertEquals(0, p.exitValue(), command + ": " + new String(out, StandardCharsets.UTF_8));
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Chromium prints the page to PDF; pdftotext reads the PDF back. */
    static String printedText(String html) throws Exception {
        Path page = dir.resolve("report.html");
        Path pdf = dir.resolve("report.pdf");
        Files.writeString(page, html, StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--no-pdf-header-footer", "--user-data-dir=" + dir.resolve("profile"), "--print-to-pdf=" + pdf,
                page.toUri().toString()));
        run(cmd);
        assertTrue(Files.size(pdf) > 1000, "a PDF was printed");
        // -layout keeps table cells apart; runs of white space (column gaps, line breaks) become one space
        return run(List.of("pdftotext", "-layout", pdf.toString(), "-")).replaceAll("\\s+", " ");
    }

    @Test
    void printedReport_showsTitleBadgeAndArticles_andNoScriptRan() throws Exception {
        HttpResponse<String> r = stack.get("/v1/compliance/report/html");
        assertEquals(200, r.statusCode(), r.body());
        String text = printedText(r.body());
        assertTrue(text.contains("LoopGrid Compliance Report"), text);
        assertTrue(text.contains("Hash chain verification: PASS"), text);
        assertTrue(text.contains("EU AI Act article assessment"), text);
        for (String a : List.of("Art. 12", "Record-keeping", "Art. 14", "Human oversight", "Art. 9", "Art. 15",
                "Art. 72", "COMPLIANT", "PARTIAL")) {
            assertTrue(text.contains(a), a + " in\n" + text);
        }
        assertTrue(text.contains("Attested chain heads"), text);
        assertTrue(text.contains("Zürich-Støtte"), "unicode survives the browser");
        assertTrue(text.contains("document.body.append"), "the hostile names are shown as text");
        for (String ran : List.of("XSS-RAN", "IMG-RAN", "OUT-RAN", "COR-RAN")) {
            assertFalse(text.contains(ran), ran + ": a script ran\n" + text);
        }
    }

    @Test
    void printedReport_ofAHostileServiceFilter_showsItAsText() throws Exception {
        HttpResponse<String> r = stack.get("/v1/compliance/report/html?service_name="
                + URLEncoder.encode(SCRIPT, StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode(), r.body());
        String text = printedText(r.body());
        assertTrue(text.contains("LoopGrid Compliance Report"), text);
        assertTrue(text.contains("<script>document.body.append("), "the filter is printed as text:\n" + text);
        assertFalse(text.contains("XSS-RAN"), text);
    }
}
