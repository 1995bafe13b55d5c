package io.prefectlifecycle.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

/**
 * The package layers of core, checked on its compiled classes. Kafka is not on core's classpath at all (the module's
 * dependencies enforce that); these rules keep the layers inside it: Prefect's envelope and the registry client at the
 * bottom, decoding above them, the kinds above decoding, the transaction logic on top; Avro beside, its payload
 * schemas named by the kind registry.
 */
class ArchitectureTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.prefectlifecycle");

    @Test
    void packagesOnlyUseTheLayersBelowThem() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("event")
                .definedBy("io.prefectlifecycle.event..")
                .layer("registry")
                .definedBy("io.prefectlifecycle.registry..")
                .layer("cdc")
                .definedBy("io.prefectlifecycle.cdc..")
                .layer("kinds")
                .definedBy("io.prefectlifecycle.kinds..")
                .layer("stream")
                .definedBy("io.prefectlifecycle.stream..")
                .layer("avro")
                .definedBy("io.prefectlifecycle.avro..")
                .whereLayer("stream")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("avro")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("kinds")
                .mayOnlyBeAccessedByLayers("stream", "avro")
                .whereLayer("cdc")
                .mayOnlyBeAccessedByLayers("kinds", "stream", "avro")
                .whereLayer("registry")
                .mayOnlyBeAccessedByLayers("cdc", "avro")
                .whereLayer("event")
                .mayOnlyBeAccessedByLayers("cdc", "kinds", "stream", "avro")
                .check(CORE);
    }

    @Test
    void coreKnowsNothingOfKafkaOrOfTheModulesAboveIt() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.apache.kafka..",
                        "io.prefectlifecycle.app..",
                        "io.prefectlifecycle.cli..",
                        "io.prefectlifecycle.topology..",
                        "io.prefectlifecycle.local..",
                        "io.prefectlifecycle.replay..",
                        "io.prefectlifecycle.tail..",
                        "io.prefectlifecycle.forward..",
                        "io.prefectlifecycle.parity..")
                .check(CORE);
    }
}
