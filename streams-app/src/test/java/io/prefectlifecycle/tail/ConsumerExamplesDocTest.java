package io.prefectlifecycle.tail;

import io.prefectlifecycle.testdata.ProjectPaths;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/consumers.md shows {@link LifecycleEventConsumer} (run against a broker by TailIT) as it is, without its
 * package line: the example cannot drift from the tested code.
 */
class ConsumerExamplesDocTest {

    @Test
    void theJavaExampleIsTheTestedConsumer() throws IOException {
        String doc = Files.readString(ProjectPaths.root().resolve("docs/consumers.md"), StandardCharsets.UTF_8);
        Matcher java = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(java.find(), "a java block in docs/consumers.md");
        Path source = ProjectPaths.root()
                .resolve("streams-app/src/test/java/io/prefectlifecycle/tail/LifecycleEventConsumer.java");
        String code = Files.readString(source, StandardCharsets.UTF_8).replaceFirst("^package [^;]+;\n\n", "");
        assertEquals(code, java.group(1));
    }

    @Test
    void thePythonExampleReadsCommittedEventsIntoPrefectsModelAndDeduplicates() throws IOException {
        String doc = Files.readString(ProjectPaths.root().resolve("docs/consumers.md"), StandardCharsets.UTF_8);
        Matcher python = Pattern.compile("```python\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(python.find(), "a python block in docs/consumers.md");
        String code = python.group(1);
        for (String needed : new String[] {
            "from confluent_kafka import Consumer",
            "from prefect.events import Event",
            "\"isolation.level\": \"read_committed\"",
            "Event.model_validate_json(",
            "event.id"
        }) {
            assertTrue(code.contains(needed), needed);
        }
    }
}
