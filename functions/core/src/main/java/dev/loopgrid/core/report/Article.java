package dev.loopgrid.core.report;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One EU AI Act article as the report assesses it.
 *
 * @param key         the member name in {@code eu_ai_act_mapping}, e.g. {@code article_12_record_keeping}
 * @param article     the article as cited, e.g. {@code Art. 12}
 * @param title       the article's subject, e.g. {@code Record-keeping}
 * @param description what the article requires (v0.1's text for the three v0.1 articles)
 * @param basis       why the status is what it is, in one sentence
 * @param evidence    what the ledger holds for it
 */
public record Article(String key, String article, String title, Status status, String description, String basis,
                      ObjectNode evidence) {

    /** The statuses of API.md. */
    public enum Status {
        COMPLIANT("compliant"), PARTIAL("partial"), NON_COMPLIANT("non_compliant");

        private final String wire;

        Status(String wire) { this.wire = wire; }

        public String wire() { return wire; }

        /** How the HTML report shows it. */
        public String label() { return wire.replace('_', '-').toUpperCase(java.util.Locale.ROOT); }
    }
}
