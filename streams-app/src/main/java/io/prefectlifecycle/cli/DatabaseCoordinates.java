package io.prefectlifecycle.cli;

import java.util.Map;

/**
 * Where the connector finds Prefect's database. The keys of {@link #asConnectorVariables()} are the
 * {@code ${env:...}} names that connect-config/prefect-connector.json references.
 */
public record DatabaseCoordinates(String host, int port, String user, String password, String dbname) {

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + dbname;
    }

    public Map<String, String> asConnectorVariables() {
        return Map.of(
                "PREFECT_DB_HOST", host,
                "PREFECT_DB_PORT", Integer.toString(port),
                "PREFECT_DB_USER", user,
                "PREFECT_DB_PASSWORD", password,
                "PREFECT_DB_NAME", dbname);
    }

    @Override
    public String toString() {
        return "postgresql://" + user + "@" + host + ":" + port + "/" + dbname;
    }
}
