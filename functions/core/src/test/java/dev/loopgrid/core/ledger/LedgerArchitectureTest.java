package dev.loopgrid.core.ledger;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The ledger is a room of its own: it knows nothing of the features built on it (decisions, replays, reports, keys),
 * so the verifiable log can cut its verification part out and every feature plugs in through {@link ProjectionChange}
 * and {@link ChainStore}. Checked on the compiled classes, so a fully qualified name cannot slip past it.
 */
class LedgerArchitectureTest {
    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.loopgrid.core");

    /** What the ledger may use: itself, the JDK, Jackson (canonical JSON) and the JCS number formatter. */
    static final ArchRule LEDGER_IMPORTS_NO_FEATURE = classes().that().resideInAPackage("dev.loopgrid.core.ledger..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("dev.loopgrid.core.ledger..", "java..",
                    "com.fasterxml.jackson..", "org.erdtman.jcs..")
            .because("the ledger core must not know the features built on it (issue: a ledger room of its own)");

    /** The core has no AWS, whatever the build lets through. */
    static final ArchRule CORE_HAS_NO_AWS = noClasses().that().resideInAPackage("dev.loopgrid.core..")
            .should().dependOnClassesThat().resideInAnyPackage("software.amazon..", "com.amazonaws..");

    @Test
    void ledgerPackage_dependsOnNoFeaturePackage() {
        assertFalse(CORE.isEmpty(), "no classes imported: the test would prove nothing");
        LEDGER_IMPORTS_NO_FEATURE.check(CORE);
    }

    @Test
    void core_dependsOnNoAws() {
        CORE_HAS_NO_AWS.check(CORE);
    }

    @Test
    void theRule_failsOnAClassThatImportsAFeature() {
        // a rule that cannot fail proves nothing: one that forbids what the decision package does must fail on it
        JavaClasses decision = new ClassFileImporter().importPackages("dev.loopgrid.core.decision");
        ArchRule decisionLikeLedger = classes().that().resideInAPackage("dev.loopgrid.core.decision..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("dev.loopgrid.core.decision..", "java..",
                        "com.fasterxml.jackson..", "org.erdtman.jcs..");
        assertThrows(AssertionError.class, () -> decisionLikeLedger.check(decision));
    }
}
