package io.prefectlifecycle.testsupport;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/** For the Testcontainers ITs: they run where Testcontainers reaches a Docker engine, and are skipped elsewhere. */
public final class DockerEngine {

    private DockerEngine() {}

    /** Aborts (skips) the calling test, saying why and what runs instead, unless a Docker engine answers. */
    public static void assume(String skipped) {
        String why;
        try {
            why = DockerClientFactory.instance().isDockerAvailable()
                    ? null
                    : "Testcontainers found no Docker environment";
        } catch (Throwable e) { // a broken client configuration is as good as no engine
            why = e.toString();
        }
        String reason = "no Docker engine: " + why + "; " + skipped;
        if (why != null) {
            System.out.println(reason);
        }
        Assumptions.assumeTrue(why == null, reason);
    }
}
