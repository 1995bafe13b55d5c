package io.prefectlifecycle.golden;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository and the shared spec folder are, from a test's working directory ({@code streams-app}). */
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

    public static Path goldenCases() {
        return root().resolve("streams-app/src/test/resources/golden");
    }
}
