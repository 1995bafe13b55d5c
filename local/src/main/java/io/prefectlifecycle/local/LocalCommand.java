package io.prefectlifecycle.local;

import io.prefectlifecycle.app.StreamsApp;
import io.prefectlifecycle.app.TerminationSignals;
import io.prefectlifecycle.avro.AvroEventDecoder;
import io.prefectlifecycle.avro.RegistryWriterSchemas;
import io.prefectlifecycle.cli.DatabaseUrl;
import io.prefectlifecycle.cli.EventFormatOptions;
import io.prefectlifecycle.cli.EventPrinter;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistrySettings;
import io.prefectlifecycle.stream.EncryptionKeys;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Everything in one process tree: PostgreSQL with Prefect's tables (or an existing Prefect database), a KRaft broker,
 * a Connect worker running the Debezium connector from {@code connect-config/}, and the app. Events on stdout,
 * readiness and what goes wrong on stderr, one line each.
 */
@Command(
        name = "local",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run PostgreSQL with Prefect's tables, Kafka, Kafka Connect with Debezium and the app in one "
                    + "process tree; or capture an existing Prefect database with --database-url.",
            "",
            "Prints each event as a JSON line on stdout, and where everything is (lines starting with ready:) on "
                    + "stderr. Ctrl-C or SIGTERM stops everything in order: the replication slot is dropped before "
                    + "PostgreSQL stops, temporary files are removed, exit status 0. When a part stops by itself "
                    + "(PostgreSQL, the broker, the Connect worker or its connector task, the app), local says which in "
                    + "one line and exits with status 1.",
            "",
            "Block documents: on its own database local sets up a Fernet key as a Prefect server does (the "
                    + "configuration row ENCRYPTION_KEY) and prints it once; with PREFECT_SERVER_ENCRYPTION_KEY set it "
                    + "uses that key instead and prints nothing of it.",
            "",
            "--format avro writes Avro events through a schema registry you run (local starts none: give "
                    + "--schema-registry-url) and prints them read back as JSON.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  local --demo",
            "      one change of every kind (a block document with a secret too)",
            "  PGPASSWORD=… local --database-url postgresql://prefect@db:5432/prefect",
            "      capture Prefect's database; the slot and publication go on stop",
            "  local --database-url postgresql://prefect@db/prefect --keep-slot \\",
            "        --state-dir ~/.prefect-lifecycle-cdc",
            "      resumable: run it again for the events of what changed meanwhile",
            "",
            "Exit status: 0 stopped by Ctrl-C or SIGTERM; 1 a part stopped by itself or could not start; 2 bad options, "
                    + "or a database that cannot be captured (each reason on one line, with the SQL that fixes it)."
        })
public final class LocalCommand implements Callable<Integer> {

    static final int STOPPED = 0;
    static final int FAILED = 1;
    static final int REFUSED = 2;
    private static final Duration HEALTH_INTERVAL = Duration.ofSeconds(2);
    private static final Set<KafkaStreams.State> APP_DOWN = Set.of(
            KafkaStreams.State.ERROR,
            KafkaStreams.State.PENDING_ERROR,
            KafkaStreams.State.NOT_RUNNING,
            KafkaStreams.State.PENDING_SHUTDOWN);

    @Option(
            names = "--database-url",
            paramLabel = "URL",
            description = "Capture this existing Prefect database instead of starting one: "
                    + "postgresql://user:password@host:port/database, optionally with ?sslmode=require, also as "
                    + "postgresql+asyncpg://… (Prefect's PREFECT_API_DATABASE_CONNECTION_URL). Without a password in "
                    + "the URL, PGPASSWORD is used; the password is never printed. Needs wal_level=logical and a user "
                    + "with REPLICATION that owns Prefect's tables (or a publication made for it): local checks each, "
                    + "and says how to fix what is missing. It adds a publication and a replication slot, changes none "
                    + "of Prefect's tables, and drops both on stop.")
    String databaseUrl;

    @Option(
            names = "--keep-slot",
            description = "With --database-url: on stop, keep the replication slot, the publication and local's "
                    + "state (see --state-dir), and say where; a later run with the same --state-dir resumes there, "
                    + "and what changed meanwhile becomes events. The slot holds back WAL on the database until it is "
                    + "read or dropped.")
    boolean keepSlot;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description = "With --database-url: where local keeps Kafka's data (the CDC records, Debezium's and the "
                    + "app's offsets) and the app's state. Default: a temporary directory, removed on stop unless "
                    + "--keep-slot.")
    Path stateDir;

    @Option(
            names = "--heartbeat-table",
            description = "With --database-url: also create the table prefect_cdc_heartbeat "
                    + "(schemas/debezium-heartbeat.sql), not Prefect's, which Debezium writes every 10 s so that the "
                    + "slot moves on while Prefect's captured tables are quiet. Without it PostgreSQL keeps the WAL "
                    + "written meanwhile (flow runs, logs) until the next captured change. Dropped on stop like the "
                    + "slot.")
    boolean heartbeatTable;

    @Option(
            names = "--demo",
            description = "Once ready, write a short scripted set of changes of every kind into local's own "
                    + "database, as Prefect's server writes them: variable, flow, block type, block schema and a "
                    + "block document with a secret field, concurrency limits v1 and v2, artifact collection, "
                    + "automation. Their events follow within seconds. Not with --database-url.")
    boolean demo;

    @Option(names = "--emit-snapshot-reads", description = "Emit snapshot reads (op r) as created events.")
    boolean emitSnapshotReads;

    @Mixin
    EventFormatOptions eventFormat = new EventFormatOptions();

    private volatile boolean stopRequested;
    private volatile EventPrinter printer;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        Map<String, String> env = System.getenv();
        Optional<String> problem = optionsProblem(env);
        if (problem.isPresent()) {
            err.println(problem.get());
            return REFUSED;
        }
        Optional<DatabaseUrl> url;
        try {
            url = Optional.ofNullable(databaseUrl).map(u -> DatabaseUrl.parse(u, env));
        } catch (DatabaseUrl.Invalid e) {
            err.println("local: " + e.getMessage());
            return REFUSED;
        }
        TerminationSignals signals = TerminationSignals.install(
                signal -> {
                    stopRequested = true;
                    EventPrinter printing = printer;
                    if (printing != null) {
                        printing.wakeup();
                    }
                },
                Duration.ofMinutes(2));
        try {
            return url.isPresent() ? capture(url.get(), env, out, err) : runOwn(env, out, err);
        } finally {
            signals.finished();
        }
    }

    /** What is wrong with the options, checked before anything is started; empty when nothing is. */
    public Optional<String> optionsProblem(Map<String, String> env) {
        if (databaseUrl == null) {
            List<String> needUrl = new ArrayList<>();
            if (keepSlot) {
                needUrl.add("--keep-slot");
            }
            if (stateDir != null) {
                needUrl.add("--state-dir " + stateDir);
            }
            if (heartbeatTable) {
                needUrl.add("--heartbeat-table");
            }
            if (!needUrl.isEmpty()) {
                return Optional.of("local: " + String.join(", ", needUrl) + ": only with --database-url (local's own "
                        + "database is thrown away on stop)");
            }
        } else if (demo) {
            return Optional.of("local: --demo writes demo objects into local's own database only, not into the "
                    + "database of --database-url");
        }
        try {
            eventFormat.format(env);
            eventFormat.registry(env);
            EncryptionKeys.fromEnvironment(env);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of("local: " + e.getMessage()
                    + (e.getMessage().contains("--schema-registry-url")
                            ? "; local starts no schema registry: give the Confluent-compatible URL of one you run"
                            : ""));
        }
    }

    /** Its own PostgreSQL with Prefect's tables, a key for block documents, and the demo when asked for. */
    private int runOwn(Map<String, String> env, PrintStream out, PrintStream err) throws Exception {
        LocalStateDir state = LocalStateDir.open(Optional.empty());
        LocalStack stack = null;
        try {
            stack = LocalStack.start();
            LocalEncryptionKey key;
            try (Connection db = stack.postgres().connect()) {
                key = LocalEncryptionKey.setUp(db, env);
            }
            if (stopRequested) {
                return STOPPED;
            }
            stack.registerConnector();
            LocalStack started = stack;
            return serve(
                    stack,
                    state,
                    env,
                    out,
                    err,
                    () -> {
                        // a throwaway database: its password is printed so that psql can connect
                        var pg = started.postgres();
                        err.println("ready: database postgresql://" + pg.user() + ":" + pg.password() + "@" + pg.host()
                                + ":" + pg.port() + "/" + pg.dbname() + " (JDBC " + pg.jdbcUrl() + ")");
                        err.println(key.generated()
                                .map(text -> "ready: block documents are encrypted with the Fernet key " + text
                                        + " (the " + "configuration row ENCRYPTION_KEY, as a Prefect server keeps it)")
                                .orElse("ready: block documents are encrypted with the key of " + EncryptionKeys.ENV_VAR
                                        + " (or ORION_ENCRYPTION_KEY)"));
                    },
                    () -> {
                        if (demo) {
                            try (Connection db = started.postgres().connect()) {
                                PrefectDemo.write(db, key.key());
                            }
                            err.println("demo: " + PrefectDemo.EVENTS.length
                                    + " changes written, one of every kind: their " + "events follow");
                        }
                    });
        } finally {
            close(stack, err);
            state.close(false);
        }
    }

    /** An existing database: checked, then a publication, the stack around it, and on stop the slot dropped or kept. */
    private int capture(DatabaseUrl url, Map<String, String> env, PrintStream out, PrintStream err) throws Exception {
        ConnectorDefinition connector = ConnectorDefinition.load();
        LocalStateDir state = LocalStateDir.open(Optional.ofNullable(stateDir));
        Optional<String> another = state.holdsStateOfAnother(url, connector.slotName());
        if (another.isPresent()) {
            err.println("local: --state-dir " + state.path() + " holds the state of a run that captured "
                    + another.get() + ": give another --state-dir, or resume that one");
            state.abandon();
            return REFUSED;
        }
        CapturedDatabase db;
        try {
            db = CapturedDatabase.inspect(
                    url, connector, heartbeatTable, state.holdsStateOf(url, connector.slotName()));
        } catch (CapturedDatabase.Refused e) {
            e.problems().forEach(line -> err.println("local: " + line));
            state.abandon(); // a kept state stays for when the database can be captured again
            return REFUSED;
        }
        db.notes().forEach(line -> err.println("local: " + line));
        if (!db.resumes() && state.holdsStateOf(url, connector.slotName())) {
            err.println("local: the state in " + state.path() + " belongs to a replication slot that is gone: "
                    + "starting afresh");
        }
        if (!db.resumes()) {
            state.clear(); // the state of a slot that is gone is of no use
        }
        LocalStack stack = null;
        try {
            db.prepare();
            state.noteStateOf(url, connector.slotName());
            stack = LocalStack.startCapturing(url.coordinates(), db::unreachable, state.kafka());
            if (stopRequested) {
                return STOPPED;
            }
            stack.registerConnector(db.connectorToRegister());
            return serve(
                    stack,
                    state,
                    env,
                    out,
                    err,
                    () -> err.println("ready: capturing " + url + " (publication " + connector.publicationName()
                            + ", replication slot " + connector.slotName() + (db.resumes() ? ", resumed" : "") + ")"),
                    () -> {});
        } finally {
            if (keepSlot && stack != null) {
                // its offsets stay in the kept broker; its config would name this run's credentials file, which goes
                stack.removeConnector(connector.name());
            }
            close(stack, err);
            err.println("local: " + db.release(keepSlot));
            state.close(keepSlot);
            if (keepSlot) {
                err.println("local: kept local's state in " + state.path() + ": resume with local --database-url '"
                        + DatabaseUrl.masked(databaseUrl) + "' --state-dir " + state.path()
                        + " (add --keep-slot to keep "
                        + "them again)");
            }
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /**
     * The app on the stack, the ready lines, then events printed until a signal or a part stops by itself.
     *
     * @return {@link #STOPPED} or {@link #FAILED}
     */
    private int serve(
            LocalStack stack,
            LocalStateDir state,
            Map<String, String> env,
            PrintStream out,
            PrintStream err,
            Runnable readyLines,
            Step whenReady)
            throws Exception {
        EventFormat format = eventFormat.format(env);
        Optional<SchemaRegistrySettings> registry = eventFormat.registry(env);
        // the printed line is JSON either way: Avro events are read back through the registry they were written with
        Optional<AvroEventDecoder> avroEvents = format == EventFormat.AVRO
                ? registry.map(r -> new AvroEventDecoder(new RegistryWriterSchemas(new SchemaRegistryClient(r.url()))))
                : Optional.empty();
        TopologySettings defaults = TopologySettings.defaults();
        TopologySettings settings = new TopologySettings(
                        stack.cdcTopic(),
                        defaults.eventsTopic(),
                        defaults.deadLetterTopic(),
                        EncryptionKeys.fromEnvironment(env),
                        emitSnapshotReads)
                .withEventFormat(format, registry);
        stack.kafka().createTopics(List.of(settings.eventsTopic(), settings.deadLetterTopic()));
        printer = EventPrinter.atEndOf(stack.bootstrapServers(), settings.eventsTopic(), avroEvents);
        try (StreamsApp app = StreamsApp.start(
                        settings,
                        StreamsApp.properties(stack.bootstrapServers(), "prefect-lifecycle-cdc", state.app()));
                EventPrinter printing = printer) {
            awaitRunning(app, Duration.ofSeconds(60));
            if (stopRequested) {
                return STOPPED;
            }
            readyLines.run();
            err.println("ready: kafka " + stack.bootstrapServers() + ", connect "
                    + stack.connect().restUrl() + ", events on " + settings.eventsTopic());
            whenReady.run();
            long nextCheck = System.nanoTime() + HEALTH_INTERVAL.toNanos();
            while (!stopRequested) {
                try {
                    printing.printArriving(out, Duration.ofSeconds(1));
                } catch (WakeupException e) {
                    break;
                }
                if (System.nanoTime() >= nextCheck) {
                    Optional<String> down = appProblem(app).or(stack::problem);
                    if (down.isPresent() && !stopRequested) {
                        err.println("local: " + down.get() + ": stopping");
                        // said once above: the connector's stack traces about it while it stops would say no more
                        Configurator.setLevel(Map.of("io.debezium", Level.OFF, "org.apache.kafka.connect", Level.OFF));
                        return FAILED;
                    }
                    nextCheck = System.nanoTime() + HEALTH_INTERVAL.toNanos();
                }
            }
            err.println("stopping");
            return STOPPED;
        } finally {
            printer = null;
        }
    }

    private static Optional<String> appProblem(StreamsApp app) {
        KafkaStreams.State state = app.state();
        return APP_DOWN.contains(state) ? Optional.of("the app (Kafka Streams) stopped: " + state) : Optional.empty();
    }

    private static void close(LocalStack stack, PrintStream err) {
        if (stack != null) {
            long t0 = System.nanoTime();
            stack.close();
            err.println("stopped in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
    }

    /** Ready means the app has its partitions: a change made after "ready" is not held up by the first rebalance. */
    private void awaitRunning(StreamsApp app, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (app.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline && !stopRequested) {
            if (APP_DOWN.contains(app.state())) {
                throw new IllegalStateException("the app (Kafka Streams) did not start: " + app.state());
            }
            Thread.sleep(50);
        }
    }
}
