package io.prefectlifecycle.it;

import io.prefectlifecycle.local.FreePorts;
import io.prefectlifecycle.testsupport.JarLauncher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run}, {@code tail} and {@code replay} against a port nobody listens on, as jars in their own JVMs: while they
 * wait for the cluster they say so about once every 5 s (Kafka's client warned ~35 times in 30 s before), then stop
 * with one line that says why in a user's words, without a Java class name.
 */
class UnreachableBrokerIT {

    @TempDir
    Path tmp;

    @Test
    void anUnreachableBrokerIsAFewLinesThenOneThatSaysWhy() throws Exception {
        String broker = "127.0.0.1:" + FreePorts.next();
        Map<String, List<String>> commands = Map.of(
                "run",
                        List.of(
                                "run",
                                "--bootstrap-servers",
                                broker,
                                "--http-port",
                                "0",
                                "--state-dir",
                                tmp.resolve("state").toString()),
                "tail", List.of("tail", "--bootstrap-servers", broker),
                "replay", List.of("replay", "--bootstrap-servers", broker));
        List<Process> processes = new ArrayList<>();
        for (List<String> args : commands.values()) {
            processes.add(start(args, tmp.resolve(args.get(0) + ".log")));
        }
        for (Process process : processes) {
            assertTrue(process.waitFor(3, TimeUnit.MINUTES), "gives up by itself");
        }
        for (String command : commands.keySet()) {
            List<String> lines = Files.readAllLines(tmp.resolve(command + ".log"), StandardCharsets.UTF_8);
            System.out.println("UnreachableBrokerIT " + command + ":\n  " + String.join("\n  ", lines));
            long warnings = lines.stream()
                    .filter(l -> l.contains(" WARN  NetworkClient - "))
                    .count();
            assertTrue(warnings >= 1 && warnings <= 10, command + ": " + warnings + " NetworkClient lines");
            String why = "cannot reach the Kafka cluster at " + broker + " (bootstrap.servers";
            String last = lines.get(lines.size() - 1);
            assertTrue(
                    last.contains(why)
                            && last.contains("within 30 s: " + broker + ": connection refused; " + "check the address"),
                    command + ": " + last);
            assertFalse(lines.stream().anyMatch(l -> l.contains("Exception")), command + ": no Java class name");
        }
    }

    private static Process start(List<String> args, Path log) throws IOException {
        return JarLauncher.app()
                .jvm("-Xmx256m")
                .args(args)
                .withoutEnv("PREFECT_", "KAFKA_")
                .log(log)
                .start();
    }
}
