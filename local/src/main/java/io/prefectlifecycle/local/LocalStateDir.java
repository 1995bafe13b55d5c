package io.prefectlifecycle.local;

import io.prefectlifecycle.cli.DatabaseUrl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * Where {@code local} keeps the state of a run: the app's Kafka Streams state and, when it captures an existing
 * database, the broker's log dirs (CDC topics, the app's and Connect's offsets). A run that keeps its replication
 * slot keeps this directory too, with a note of the database and slot it belongs to, so that a later run given the
 * same directory resumes where it stopped. Otherwise it is removed on stop: the directory itself only when local
 * created it (a temporary one), else what local put in it.
 */
public final class LocalStateDir {

    private static final String NOTE = "local-state.properties";

    private final Path dir;
    /** Created by local, in this run or an earlier one that kept it. */
    private final boolean created;
    /** Created by this run: nothing of an earlier run's is in it. */
    private final boolean createdNow;

    private LocalStateDir(Path dir, boolean created, boolean createdNow) {
        this.dir = dir;
        this.created = created;
        this.createdNow = createdNow;
    }

    /**
     * The given directory (created when missing), or a new temporary one. A directory that an earlier run created and
     * kept counts as local's: removed once its state is of no more use.
     */
    public static LocalStateDir open(Optional<Path> given) throws IOException {
        if (given.isPresent()) {
            Path dir = given.get().toAbsolutePath();
            boolean createdNow = !Files.exists(dir);
            boolean created = createdNow || "true".equals(note(dir).getProperty("directory-created"));
            return new LocalStateDir(Files.createDirectories(dir), created, createdNow);
        }
        return new LocalStateDir(Files.createTempDirectory("prefect-lifecycle-cdc-local-"), true, true);
    }

    public Path path() {
        return dir;
    }

    public Path kafka() {
        return dir.resolve("kafka");
    }

    public Path app() {
        return dir.resolve("app");
    }

    /** Whether this directory holds the state of a run that captured {@code url} through {@code slot}. */
    public boolean holdsStateOf(DatabaseUrl url, String slot) {
        Properties note = note(dir);
        return Files.isDirectory(kafka())
                && url.toString().equals(note.getProperty("database"))
                && slot.equals(note.getProperty("slot"));
    }

    /** The database and slot whose state this directory holds, e.g. {@code postgresql://u@h:5432/db, slot s}. */
    public Optional<String> holdsStateOfAnother(DatabaseUrl url, String slot) {
        Properties note = note(dir);
        if (note.getProperty("database") == null
                || (url.toString().equals(note.getProperty("database")) && slot.equals(note.getProperty("slot")))) {
            return Optional.empty();
        }
        return Optional.of(note.getProperty("database") + ", replication slot " + note.getProperty("slot"));
    }

    /** Notes that the state here belongs to {@code url} and {@code slot} (never the password). */
    public void noteStateOf(DatabaseUrl url, String slot) throws IOException {
        Properties props = new Properties();
        props.setProperty("database", url.toString());
        props.setProperty("slot", slot);
        props.setProperty("directory-created", Boolean.toString(created));
        try (OutputStream out = Files.newOutputStream(dir.resolve(NOTE))) {
            props.store(out, "prefect-lifecycle-cdc local: the state of a run that kept its replication slot");
        }
    }

    private static Properties note(Path dir) {
        Properties props = new Properties();
        Path note = dir.resolve(NOTE);
        if (Files.isRegularFile(note)) {
            try (InputStream in = Files.newInputStream(note)) {
                props.load(in);
            } catch (IOException e) {
                return new Properties();
            }
        }
        return props;
    }

    /** Removes what local put here (state of a slot that is gone is of no use). */
    public void clear() {
        Support.deleteRecursively(kafka());
        Support.deleteRecursively(app());
        Support.deleteRecursively(dir.resolve(NOTE));
    }

    /** Nothing was started: removes the directory if this run created it, and touches nothing else. */
    public void abandon() {
        if (createdNow) {
            Support.deleteRecursively(dir);
        }
    }

    /** Keeps everything, or removes what local put here (and the directory, if local created it). */
    public void close(boolean keep) {
        if (keep) {
            return;
        }
        clear();
        if (created) {
            Support.deleteRecursively(dir);
        }
    }
}
