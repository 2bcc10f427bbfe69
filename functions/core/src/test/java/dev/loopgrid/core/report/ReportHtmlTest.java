package dev.loopgrid.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.Json;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Whatever the ledger or the request holds comes out of the HTML report as text: markup in service names,
 * decision types, models, reasons, outputs and corrections is escaped, unicode stays as it is, and the page
 * contains only the elements and attributes the renderer writes itself.
 */
class ReportHtmlTest {
    static final String SCRIPT = "<script>document.body.append('XSS'+'-RAN')</script>";
    static final String IMG = "\"><img src=x onerror=\"document.body.append('IMG'+'-RAN')\">";
    static final String UNICODE = "Zürich-Støtte 🚀 日本語 ✓";

    private static final Set<String> ELEMENTS = Set.of("html", "head", "meta", "title", "style", "body", "header", "h1",
            "h2", "h3", "p", "dl", "dt", "dd", "section", "span", "table", "thead", "tbody", "tr", "th", "td", "ul", "li",
            "strong", "br", "div", "figure", "figcaption", "svg", "rect", "line", "polyline", "circle", "text", "footer");
    private static final Pattern TAG = Pattern.compile("<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>");

    /** A ledger whose every name and text is hostile. */
    static String hostileReport(String serviceFilter) {
        FakeChains ledger = new FakeChains();
        DecisionRecord a = ledger.record(SCRIPT, IMG, "</td><script>alert(1)</script>", UNICODE,
                Json.object().put("response", "<img src=x onerror=alert(2)> " + UNICODE));
        ledger.record(UNICODE, "customer_support_reply", "openai", "gpt-4", null);
        DecisionRecord b = ledger.record(UNICODE, "customer_support_reply", "openai", "gpt-4", null);
        ledger.verdict(a.decisionId(), DecisionStatus.INCORRECT, SCRIPT + " " + IMG, null, null);
        ObjectNode fix = Json.object().put("response", "</textarea><svg onload=alert(3)>" + UNICODE);
        ledger.verdict(a.decisionId(), DecisionStatus.CORRECTED, null, fix, "<b>agent</b>" + IMG);
        ledger.verdict(b.decisionId(), DecisionStatus.INCORRECT, UNICODE + " & more", null, null);
        ComplianceReportService s = new ComplianceReportService(ledger,
                new IncrementalVerifier(ledger, new dev.loopgrid.core.decision.ContentResolver(null), CheckpointStore.inMemory(), Clock.systemUTC()), null, Clock.systemUTC(),
                "LoopGrid test", ArticleRules.Settings.defaults());
        return s.issue(FakeChains.TENANT, serviceFilter, false).htmlText();
    }

    /** Every tag is one the renderer writes, with no event handler attribute and no reference to anything outside. */
    static void assertOnlyOwnMarkup(String html) {
        Matcher m = TAG.matcher(html);
        Set<String> seen = new TreeSet<>();
        while (m.find()) {
            String name = m.group(2).toLowerCase(Locale.ROOT);
            assertTrue(ELEMENTS.contains(name), "unexpected element <" + name + "> in " + m.group());
            String attrs = m.group(3).toLowerCase(Locale.ROOT);
            assertFalse(Pattern.compile("\\son[a-z]+\\s*=").matcher(attrs).find(), "event handler in " + m.group());
            assertFalse(attrs.contains("src=") || attrs.contains("href="), "reference in " + m.group());
            seen.add(name);
        }
        assertFalse(seen.contains("script"));
        assertFalse(html.toLowerCase(Locale.ROOT).contains("<script"));
        assertFalse(html.contains("<img"));
        assertFalse(html.contains("<svg onload"));
        assertFalse(html.contains("<b>"));
    }

    @Test
    void hostileNamesReasonsAndOutputs_areEscaped_andUnicodeKept() {
        String html = hostileReport(null);
        assertOnlyOwnMarkup(html);
        assertTrue(html.contains("&lt;script&gt;document.body.append(&#39;XSS&#39;+&#39;-RAN&#39;)&lt;/script&gt;"),
                "the service name, as text");
        assertTrue(html.contains("&quot;&gt;&lt;img src=x onerror=&quot;"), "the decision type, as text");
        assertTrue(html.contains("&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), "the model, as text");
        assertTrue(html.contains("&lt;/textarea&gt;&lt;svg onload=alert(3)&gt;"), "the correction, as text");
        assertTrue(html.contains("&lt;img src=x onerror=alert(2)&gt;"), "the original output, as text");
        assertTrue(html.contains("&lt;b&gt;agent&lt;/b&gt;"), "who corrected it, as text");
        assertTrue(html.contains(UNICODE), "unicode is kept as it is");
        assertTrue(html.contains(UNICODE + " &amp; more"), "the reason, as text");
    }

    @Test
    void hostileServiceFilter_isEscapedInTitleAndHeader() {
        String html = hostileReport(SCRIPT + IMG);
        assertOnlyOwnMarkup(html);
        assertTrue(html.contains("<title>LoopGrid Compliance Report — &lt;script&gt;"));
    }

    @Test
    void page_isSelfContained_printable_andCarriesTheReportParts() {
        String html = hostileReport(null);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;; "
                + "style-src &#39;unsafe-inline&#39;; img-src data:\">"));
        assertTrue(html.contains("@media print"));
        assertTrue(html.contains("break-before:page"));
        assertTrue(html.contains("Hash chain verification: <span class=\"badge pass\">PASS</span>"));
        assertTrue(html.contains("EU AI Act article assessment"));
        for (String a : new String[] {"Art. 12", "Art. 14", "Art. 9", "Art. 13(3)(f)", "Art. 15", "Art. 19 / 26(6)", "Art. 72"}) {
            assertTrue(html.contains("<strong>" + Html.escape(a) + "</strong>"), a);
        }
        assertTrue(html.contains("Attested chain heads"));
        assertEquals(2, html.split("<svg ", -1).length - 1, "two inline charts");
        String withoutSvgNamespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assertFalse(withoutSvgNamespace.contains("http://") || withoutSvgNamespace.contains("https://"),
                "no external resource");
    }

    @Test
    void escape_handlesEveryMarkupCharacter_andControlCharacters() {
        assertEquals("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;", Html.escape("<a href=\"x\" title='y'>&</a>"));
        assertEquals("a\uFFFDb\tc\nd", Html.escape("a\u0000b\tc\nd"));
        assertEquals("", Html.escape(null));
        assertEquals(UNICODE, Html.escape(UNICODE));
    }

    @Test
    void failedIntegrity_showsFailBadge_andWhere() {
        FakeChains ledger = new FakeChains();
        for (int i = 0; i < 3; i++) ledger.record("svc", "t", "p", "m", null);
        ledger.replace("svc", 3, e -> FakeChains.withContent(e, e.content().replace("hello", "<script>")));
        String html = new ComplianceReportService(ledger, new IncrementalVerifier(ledger, new dev.loopgrid.core.decision.ContentResolver(null), CheckpointStore.inMemory(),
                Clock.systemUTC()), null, Clock.systemUTC(), "g", ArticleRules.Settings.defaults())
                .issue(FakeChains.TENANT, null, false).htmlText();
        assertOnlyOwnMarkup(html);
        assertTrue(html.contains("<span class=\"badge fail\">FAIL</span>"));
        assertTrue(html.contains("<span class=\"badge fail\">NON-COMPLIANT</span>"));
        assertTrue(html.contains("content changed"));
    }
}
