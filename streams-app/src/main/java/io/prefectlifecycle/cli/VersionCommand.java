package io.prefectlifecycle.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Prints the application version and the component versions it was built against. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the version.")
public final class VersionCommand implements Runnable, CommandLine.IVersionProvider {

    /**
     * Written by the build into the classes (resource filtering), so that the jar and the image, which runs the
     * classes without the jar's manifest, report the same version.
     */
    static final String RESOURCE = "/io/prefectlifecycle/version.properties";

    @Override
    public void run() {
        for (String line : getVersion()) {
            System.out.println(line);
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "prefect-lifecycle-cdc " + appVersion(),
            "kafka-streams " + org.apache.kafka.common.utils.AppInfoParser.getVersion(),
            "java " + System.getProperty("java.version")
        };
    }

    /** The project version the classes were built as; {@code dev} only for classes compiled outside Maven. */
    static String appVersion() {
        try (InputStream in = VersionCommand.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                Properties props = new Properties();
                props.load(in);
                String version = props.getProperty("version", "");
                if (!version.isBlank() && !version.startsWith("${")) {
                    return version;
                }
            }
        } catch (IOException e) {
            // fall through to the manifest
        }
        String manifest = VersionCommand.class.getPackage().getImplementationVersion();
        return manifest == null ? "dev" : manifest;
    }
}
