package io.prefectlifecycle.golden;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the repository and the shared spec folder are, from a test's working directory ({@code streams-app}). The
 * tests read the project's own copies of the shared fixtures ({@link #fixture}), so that a clone alone builds;
 * {@code SharedFixturesTest} checks the copies against {@code ../shared} when it is there.
 */
public final class ProjectPaths {

    private ProjectPaths() {
    }

    public static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("streams-app")) ? here : here.getParent();
    }

    public static Path shared() {
        return root().resolve("../shared").normalize();
    }

    /** The project's copy of {@code ../shared/fixtures/<name>}. */
    public static Path fixture(String name) {
        return root().resolve("streams-app/src/test/resources/fixtures").resolve(name);
    }

    public static Path goldenCases() {
        return root().resolve("streams-app/src/test/resources/golden");
    }
}
