package io.prefectlifecycle.cli;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code local --database-url}: {@code postgresql://user[:password]@host[:port]/database[?sslmode=…]}, also in the
 * forms Prefect's own setting takes ({@code postgres://}, {@code postgresql+asyncpg://}), so that
 * {@code PREFECT_API_DATABASE_CONNECTION_URL} can be pasted as it is. Without a password in the URL, {@code PGPASSWORD}
 * is used, as by libpq. The password is never part of {@link #toString()} or of a message.
 *
 * @param sslMode libpq's {@code sslmode}, passed to the JDBC driver and to Debezium ({@code database.sslmode})
 */
public record DatabaseUrl(DatabaseCoordinates coordinates, Optional<String> sslMode) {

    private static final Pattern URL = Pattern.compile(
            "(?<scheme>postgres(?:ql)?(?:\\+[A-Za-z0-9_]+)?)://(?<authority>[^/?#]*)/(?<database>[^?#]+)(?:\\?(?<query>.*))?");
    private static final Pattern HOST_PORT = Pattern.compile("(?<host>\\[[^\\]]+]|[^:]+)(?::(?<port>\\d{1,5}))?");
    private static final Set<String> SSL_MODES =
            Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    /** The URL is not one local can use; the message names the problem, never the password. */
    public static final class Invalid extends IllegalArgumentException {
        Invalid(String shownUrl, String problem) {
            super("--database-url '" + shownUrl + "': " + problem);
        }
    }

    /** @throws Invalid naming what is wrong, the URL shown with its password masked */
    public static DatabaseUrl parse(String url, Map<String, String> env) {
        String shown = masked(url);
        Matcher m = URL.matcher(url.strip());
        if (!m.matches()) {
            throw new Invalid(shown, "expected postgresql://user:password@host:port/database");
        }
        String authority = m.group("authority");
        int at = authority.lastIndexOf('@');
        if (at <= 0) {
            throw new Invalid(shown, "no user: expected postgresql://user:password@host:port/database");
        }
        String userInfo = authority.substring(0, at);
        int colon = userInfo.indexOf(':');
        String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
        String password = colon < 0 ? env.getOrDefault("PGPASSWORD", "") : decode(userInfo.substring(colon + 1));
        Matcher hostPort = HOST_PORT.matcher(authority.substring(at + 1));
        if (!hostPort.matches()) {
            throw new Invalid(shown, "no host: expected postgresql://user:password@host:port/database");
        }
        String host = hostPort.group("host");
        int port = hostPort.group("port") == null ? 5432 : Integer.parseInt(hostPort.group("port"));
        if (port < 1 || port > 65535) {
            throw new Invalid(shown, "port " + port + " is not from 1 to 65535");
        }
        Optional<String> sslMode = Optional.empty();
        if (m.group("query") != null && !m.group("query").isEmpty()) {
            for (String parameter : m.group("query").split("&")) {
                String[] pair = parameter.split("=", 2);
                if (!pair[0].equals("sslmode")
                        || pair.length < 2
                        || !SSL_MODES.contains(pair[1].toLowerCase(Locale.ROOT))) {
                    throw new Invalid(
                            shown,
                            "'" + parameter + "': the only parameter taken is sslmode="
                                    + String.join("|", new TreeSet<>(SSL_MODES)));
                }
                sslMode = Optional.of(pair[1].toLowerCase(Locale.ROOT));
            }
        }
        return new DatabaseUrl(
                new DatabaseCoordinates(host, port, user, password, decode(m.group("database"))), sslMode);
    }

    /** JDBC connection properties: user, password, sslmode. */
    public Properties jdbcProperties() {
        Properties props = new Properties();
        props.setProperty("user", coordinates.user());
        props.setProperty("password", coordinates.password());
        props.setProperty("connectTimeout", "10");
        props.setProperty("ApplicationName", "prefect-lifecycle-cdc local");
        sslMode.ifPresent(mode -> props.setProperty("sslmode", mode));
        return props;
    }

    /** The connector settings this URL adds to connect-config's (the credentials travel as {@code ${env:…}}). */
    public Map<String, String> connectorSettings() {
        return sslMode.map(mode -> Map.of("database.sslmode", mode)).orElse(Map.of());
    }

    /** {@code postgresql://user@host:port/database}: no password. */
    @Override
    public String toString() {
        return coordinates.toString();
    }

    /** The URL as given, its password replaced by {@code ***}. */
    public static String masked(String url) {
        int start = url.indexOf("://");
        if (start < 0) {
            return url.contains("@") ? "***" : url;
        }
        start += 3;
        int slash = url.indexOf('/', start);
        int end = slash < 0 ? url.length() : slash;
        int at = url.lastIndexOf('@', end - 1);
        int colon = url.indexOf(':', start);
        if (at < start || colon < 0 || colon > at) {
            return url;
        }
        return url.substring(0, colon + 1) + "***" + url.substring(at);
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
