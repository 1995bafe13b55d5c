package io.prefectlifecycle.parity;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.testdata.ProjectPaths;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * parity reads the contract's list of differences from the jar: the copy on the classpath is docs/contract.md, its
 * items keep the form {@code - **Title.** text}, and every title a rule names is there.
 */
class KnownDifferencesTest {

    static final KnownDifferences.Facts NO_FACTS = new KnownDifferences.Facts() {
        @Override
        public Optional<JsonNode> payloadBefore(ComparedEvent event) {
            return Optional.empty();
        }

        @Override
        public Optional<Boolean> rowExists(ComparedEvent event) {
            return Optional.empty();
        }

        @Override
        public boolean eventsHereFor(String resourceId) {
            return false;
        }

        @Override
        public boolean prefectHasLifecycleEvents() {
            return true;
        }
    };

    @Test
    void theJarCarriesTheContractAsItIs() throws Exception {
        assertEquals(Files.readString(ProjectPaths.root().resolve("docs/contract.md")), KnownDifferences.contract());
    }

    @Test
    void everyRuleNamesAnItemOfTheContractsList() {
        Map<String, KnownDifferences.Known> items =
                KnownDifferences.load(NO_FACTS).items();
        for (String title : List.of(
                KnownDifferences.ROLLED_BACK,
                KnownDifferences.NOTHING_CHANGED,
                KnownDifferences.AMBIGUOUS_LIMIT_UPDATE,
                KnownDifferences.UNANNOUNCED_WRITES,
                KnownDifferences.AUTOMATION_SETS,
                KnownDifferences.OLDER_SERVERS,
                KnownDifferences.DEPLOYMENT_FIELD_ORDER,
                KnownDifferences.PAUSE_ENDPOINTS,
                KnownDifferences.DEPLOYMENT_LIMIT,
                KnownDifferences.ROLLED_BACK_CALLS)) {
            assertTrue(items.containsKey(title), title);
            assertTrue(
                    items.get(title).text().length() > 40,
                    title + ": " + items.get(title).text());
        }
        assertTrue(
                items.get(KnownDifferences.PAUSE_ENDPOINTS)
                        .text()
                        .startsWith(
                                "`POST /deployments/{id}/pause_deployment` and `resume_deployment` (and the automation actions that "
                                        + "call them) emit nothing in Prefect,"),
                "continued lines are joined with a space");
    }

    @Test
    void everyItemOfTheSectionHasTheFormParityReads() throws Exception {
        String contract = Files.readString(ProjectPaths.root().resolve("docs/contract.md"));
        String section = contract.substring(contract.indexOf(KnownDifferences.SECTION));
        List<String> bullets = section.lines().filter(l -> l.startsWith("- ")).toList();
        Map<String, KnownDifferences.Known> items = KnownDifferences.items(contract);
        // the last bullet (ids and times never match) is not a difference parity reports: it never compares them
        assertEquals(bullets.size() - 1, items.size(), "every other bullet is an item - **Title.** text");
        items.keySet().forEach(title -> assertTrue(title.endsWith("."), title));
    }

    @Test
    void aRuleWhoseItemIsGoneFailsAtLoad() {
        String markdown = KnownDifferences.SECTION + "\n\n- **Rolled-back changes.** Prefect emits before commit.\n";
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> KnownDifferences.from(markdown, NO_FACTS));
        assertTrue(
                e.getMessage()
                        .startsWith("docs/contract.md lists no difference titled [Writes that change " + "nothing."),
                e.getMessage());
    }

    @Test
    void itemsAreReadFromTheirSectionOnly() {
        Map<String, KnownDifferences.Known> items = KnownDifferences.items("## Other\n\n- **Not this.** no\n\n"
                + KnownDifferences.SECTION + "\n\nIntro.\n\n- **First.** one\n  two\n- **Second.** three\n"
                + "- `id` differs\n  always\n\n## Next\n- **Nor this.** no\n");
        assertEquals(
                Map.of(
                        "First.",
                        new KnownDifferences.Known("First.", "one two"),
                        "Second.",
                        new KnownDifferences.Known("Second.", "three")),
                items);
    }
}
