package io.prefectlifecycle.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code *Test} runs without network services, in surefire; whatever starts a broker, a registry, a database, a
 * Connect worker or one of the jars is an {@code *IT}, in failsafe. Checked on every test class on this module's
 * classpath: this module's, and the test jars of core and streams-app.
 */
class TestKindsTest {

    private static final JavaClasses CLASSES = new ClassFileImporter().importPackages("io.prefectlifecycle");

    @Test
    void unitTestsStartNoBrokerRegistryDatabaseOrJar() {
        List<String> unitTests = CLASSES.stream()
                .filter(TestKindsTest::isUnitTest)
                .map(JavaClass::getSimpleName)
                .toList();
        assertTrue(
                unitTests.containsAll(List.of("ChangeStreamTest", "GoldenCasesTest", "PoisonInputTest")),
                "the unit tests of core, streams-app and this module are all checked: " + unitTests);

        noClasses()
                .that(DescribedPredicate.describe("are unit tests", TestKindsTest::isUnitTest))
                .should()
                .dependOnClassesThat()
                .haveFullyQualifiedName("io.prefectlifecycle.local.LocalKafka")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("io.prefectlifecycle.local.LocalPostgres")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("io.prefectlifecycle.local.LocalConnect")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("io.prefectlifecycle.local.LocalStack")
                .orShould()
                .dependOnClassesThat()
                .resideInAPackage("io.prefectlifecycle.testsupport..")
                .orShould()
                .dependOnClassesThat()
                .resideInAnyPackage("org.testcontainers..", "io.zonky..")
                .because("a *Test runs without network services: what starts one is an *IT")
                .check(CLASSES);
    }

    /** A JUnit class named {@code *Test}, not a harness class that happens to end so ({@code AppUnderTest}). */
    private static boolean isUnitTest(JavaClass type) {
        return type.getSimpleName().endsWith("Test")
                && !type.getPackageName().startsWith("io.prefectlifecycle.testsupport");
    }
}
