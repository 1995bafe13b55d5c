package io.prefectlifecycle.cli;

import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.parity.ComparedEvent;
import io.prefectlifecycle.parity.ParityCheck;
import io.prefectlifecycle.parity.ParityReport;
import io.prefectlifecycle.parity.PrefectDatabase;
import io.prefectlifecycle.parity.TopicEvents;
import io.prefectlifecycle.topology.TopologySettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Compare this app's events with the ones a Prefect server (3.7.4 and later) emitted itself. */
@Command(
        name = "parity",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Compare the events topic with the lifecycle events Prefect emitted itself (Prefect 3.7.4 "
                    + "and later keep them 7 days in their events table).",
            "",
            "Reads Prefect's events table (read-only) and the events topic (read_committed) for the same time range, "
                    + "matches each Prefect event to one here by event name, resource id, resource, related resources "
                    + "and payload within --window (Prefect's occurred is taken before its commit, this app's at the "
                    + "commit), and reports: matched, only in Prefect, only here, different, with a diff per "
                    + "difference and the reason when docs/contract.md lists it. Key order is not compared (Prefect "
                    + "stores JSONB); numbers compare by value. See docs/operations.md.",
            ""
        },
        footer = {
            "",
            "Exit status, as diff's: 0 every difference is a known one (or none); 1 unexplained differences; 2 bad "
                    + "options, or a side could not be read.",
            "",
            "Examples:",
            "  parity --bootstrap-servers kafka:9092 \\",
            "         --database-url postgresql://prefect@db:5432/prefect",
            "      the last day, as a short table",
            "  parity --database-url \"$PREFECT_API_DATABASE_CONNECTION_URL\" \\",
            "         --since 2026-06-01 --until 2026-06-02 --output json",
            "      one day, as JSON (counts, and each difference with its diff)"
        })
public final class ParityCommand implements Callable<Integer> {

    static final int UNEXPLAINED = 1;
    static final int TROUBLE = 2;

    enum Output {
        table,
        json
    }

    @Mixin
    KafkaConnection kafka;

    @Mixin
    SchemaRegistryOption schemaRegistry = new SchemaRegistryOption();

    @Option(
            names = "--database-url",
            paramLabel = "URL",
            defaultValue = "${env:PREFECT_API_DATABASE_CONNECTION_URL}",
            description = "Prefect's database: postgresql://user[:password]@host[:port]/database, also as Prefect's "
                    + "PREFECT_API_DATABASE_CONNECTION_URL has it (the default); without a password PGPASSWORD is "
                    + "used. Only read, in a read-only session. Required.")
    String databaseUrl;

    @Option(
            names = "--topic",
            paramLabel = "TOPIC",
            defaultValue = "${env:PREFECT_CDC_EVENTS_TOPIC:-" + TopologySettings.DEFAULT_EVENTS_TOPIC + "}",
            description = "Events topic (env PREFECT_CDC_EVENTS_TOPIC, as for run). Default: ${DEFAULT-VALUE}.")
    String topic;

    @Option(
            names = "--since",
            paramLabel = "TIME",
            converter = ReplayCommand.InstantConverter.class,
            description = "Start of the range, ISO-8601 (no offset = UTC). Default: a day before --until.")
    Instant since;

    @Option(
            names = "--until",
            paramLabel = "TIME",
            converter = ReplayCommand.InstantConverter.class,
            description = "End of the range, ISO-8601. Default: now less --window, so that both sides are complete.")
    Instant until;

    @Option(
            names = "--window",
            defaultValue = "PT30S",
            paramLabel = "DURATION",
            description = "How far apart in time two events of one resource may be and still match (ISO-8601). "
                    + "Default: ${DEFAULT-VALUE}.")
    Duration window;

    @Option(
            names = "--output",
            defaultValue = "table",
            paramLabel = "table|json",
            description = "table: counts, then a line per difference with its diff; json: the same as one JSON "
                    + "object. Default: ${DEFAULT-VALUE}.")
    Output output;

    @Override
    public Integer call() {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        return execute(System.getenv(), out, err);
    }

    /** @return 0 no unexplained difference, 1 unexplained differences, 2 bad options or a side not readable */
    public int execute(Map<String, String> env, PrintStream out, PrintStream err) {
        DatabaseUrl url;
        ParityCheck.Range range;
        try {
            if (databaseUrl == null || databaseUrl.isBlank()) {
                throw new IllegalArgumentException("--database-url (or PREFECT_API_DATABASE_CONNECTION_URL) is "
                        + "needed: Prefect's database, postgresql://user:password@host:port/database");
            }
            url = DatabaseUrl.parse(databaseUrl, env);
            Instant end = until != null ? until : Instant.now().minus(window).truncatedTo(ChronoUnit.SECONDS);
            range = new ParityCheck.Range(since != null ? since : end.minus(Duration.ofDays(1)), end, window);
        } catch (IllegalArgumentException e) {
            err.println("parity: " + e.getMessage());
            return TROUBLE;
        }
        ParityReport report;
        try (PrefectDatabase database = PrefectDatabase.open(url)) {
            List<ComparedEvent> prefect = database.lifecycleEvents(range.since(), range.until());
            kafka.checkLogin(kafka.properties(env));
            List<ComparedEvent> ours = TopicEvents.read(
                    kafka.properties(env),
                    topic,
                    range.since().minus(window),
                    range.until().plus(window),
                    schemaRegistry.url(env),
                    err);
            report = ParityCheck.compare(prefect, ours, range, database.rows());
        } catch (SQLException | IOException | RuntimeException | io.prefectlifecycle.app.ClusterLogin.Failed e) {
            err.println("parity: " + e.getMessage());
            return TROUBLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return TROUBLE;
        }
        if (output == Output.json) {
            try {
                out.println(Json.MAPPER.writeValueAsString(report.toJson()));
            } catch (IOException e) {
                err.println("parity: " + e.getMessage());
                return TROUBLE;
            }
        } else {
            out.print(report.toTable());
        }
        out.flush();
        return report.unexplained() == 0 ? 0 : UNEXPLAINED;
    }
}
