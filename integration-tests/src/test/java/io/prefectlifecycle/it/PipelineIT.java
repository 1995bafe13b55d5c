package io.prefectlifecycle.it;

import io.prefectlifecycle.local.LocalStack;
import io.prefectlifecycle.testsupport.PhaseTimings;
import io.prefectlifecycle.testsupport.PipelineScenario;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline with no Docker: a test-owned PostgreSQL with Prefect's tables, an in-JVM KRaft broker and
 * Connect worker running Debezium (registered from connect-config/), and the app with exactly-once v2. Prefect's
 * writes for every kind and action must come out as exactly the events of {@link PipelineScenario}.
 */
class PipelineIT {

    @Test
    void everyCommittedPrefectWriteBecomesItsEventAndNothingElse() throws Exception {
        PhaseTimings timings = new PhaseTimings("PipelineIT");
        try {
            try (LocalStack stack = LocalStack.start()) {
                timings.lap("stack start (PostgreSQL || KRaft, then Connect)");
                PipelineScenario.run("PipelineIT", PipelineScenario.Stack.inJvm(stack), timings);
            }
            timings.lap("app and stack closed");
        } finally {
            timings.print();
        }
    }
}
