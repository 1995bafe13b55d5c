package io.prefectlifecycle.cli;

import io.prefectlifecycle.testdata.ProjectPaths;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * {@code version} reads the version the build wrote into the classes, so the image (which runs the classes, not the
 * jar, and has no manifest) reports what the jar reports: the project's version, never {@code dev}.
 */
class VersionCommandTest {

    @Test
    void theClassesAloneKnowTheProjectVersion() throws Exception {
        Matcher parent = Pattern.compile(
                        "<artifactId>prefect-lifecycle-cdc-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(ProjectPaths.root().resolve("pom.xml")));
        parent.find();
        assertNull(
                VersionCommand.class.getPackage().getImplementationVersion(),
                "tests run from target/classes, as the image does: no manifest to read");
        assertEquals(parent.group(1), VersionCommand.appVersion());
        assertEquals("prefect-lifecycle-cdc " + parent.group(1), new VersionCommand().getVersion()[0]);
    }
}
