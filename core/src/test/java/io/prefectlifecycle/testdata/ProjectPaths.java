package io.prefectlifecycle.testdata;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the repository and the shared spec folder are, from any module's working directory. The tests read the
 * project's own copies of the shared fixtures ({@link #fixture}), so that a clone alone builds;
 * {@code SharedFixturesTest} checks the copies against {@code ../shared} when it is there.
 */
public final class ProjectPaths {

    private ProjectPaths() {}

    /** The repository: the nearest directory up from here that holds {@code mvnw}. */
    public static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no mvnw above " + Path.of("").toAbsolutePath() + ": not inside the project");
    }

    public static Path shared() {
        return root().resolve("../shared").normalize();
    }

    /** The project's copy of {@code ../shared/fixtures/<name>}. */
    public static Path fixture(String name) {
        return testResources().resolve("fixtures").resolve(name);
    }

    public static Path goldenCases() {
        return testResources().resolve("golden");
    }

    private static Path testResources() {
        return root().resolve("core/src/test/resources");
    }
}
