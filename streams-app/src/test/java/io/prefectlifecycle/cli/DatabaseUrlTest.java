package io.prefectlifecycle.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatabaseUrlTest {

    @Test
    void readsTheFormsPrefectsOwnSettingTakes() {
        for (String scheme : new String[] {"postgresql", "postgres", "postgresql+asyncpg"}) {
            DatabaseUrl url = DatabaseUrl.parse(scheme + "://prefect:s3cret@db.internal:6543/prefect_db", Map.of());
            assertEquals(
                    new DatabaseCoordinates("db.internal", 6543, "prefect", "s3cret", "prefect_db"), url.coordinates());
            assertEquals(Optional.empty(), url.sslMode());
        }
    }

    @Test
    void decodesTheUserInfoAndDefaultsThePort() {
        DatabaseUrl url =
                DatabaseUrl.parse("postgresql://cdc%40corp:p%40ss%3Aw%2Frd+1@db/prefect?sslmode=REQUIRE", Map.of());
        assertEquals(new DatabaseCoordinates("db", 5432, "cdc@corp", "p@ss:w/rd+1", "prefect"), url.coordinates());
        assertEquals(Optional.of("require"), url.sslMode());
        assertEquals(Map.of("database.sslmode", "require"), url.connectorSettings());
        assertEquals("require", url.jdbcProperties().getProperty("sslmode"));
    }

    @Test
    void withoutAPasswordTakesPgpasswordAsLibpqDoes() {
        assertEquals(
                "from-env",
                DatabaseUrl.parse("postgresql://prefect@db/prefect", Map.of("PGPASSWORD", "from-env"))
                        .coordinates()
                        .password());
        assertEquals(
                "",
                DatabaseUrl.parse("postgresql://prefect@db/prefect", Map.of())
                        .coordinates()
                        .password());
    }

    @Test
    void neverShowsThePassword() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://prefect:s3cret@db:5432/prefect", Map.of());
        assertEquals("postgresql://prefect@db:5432/prefect", url.toString());
        assertEquals(
                "postgresql://prefect:***@db:5432/prefect",
                DatabaseUrl.masked("postgresql://prefect:s3cret@db:5432/prefect"));
        assertEquals(
                "postgresql://prefect:***@db/prefect", DatabaseUrl.masked("postgresql://prefect:s3@c:ret@db/prefect"));
        assertEquals("postgresql://prefect@db/prefect", DatabaseUrl.masked("postgresql://prefect@db/prefect"));
        assertFalse(url.coordinates().toString().contains("s3cret"));
    }

    @Test
    void aBadUrlIsOneLineNamingTheOptionWithThePasswordMasked() {
        assertEquals(
                "--database-url 'mysql://prefect:***@db/prefect': expected "
                        + "postgresql://user:password@host:port/database",
                assertThrows(
                                DatabaseUrl.Invalid.class,
                                () -> DatabaseUrl.parse("mysql://prefect:s3cret@db/prefect", Map.of()))
                        .getMessage());
        assertEquals(
                "--database-url 'postgresql://db/prefect': no user: expected "
                        + "postgresql://user:password@host:port/database",
                assertThrows(DatabaseUrl.Invalid.class, () -> DatabaseUrl.parse("postgresql://db/prefect", Map.of()))
                        .getMessage());
        assertEquals(
                "--database-url 'postgresql://prefect:***@db:70000/prefect': port 70000 is not from 1 to 65535",
                assertThrows(
                                DatabaseUrl.Invalid.class,
                                () -> DatabaseUrl.parse("postgresql://prefect:s3cret@db:70000/prefect", Map.of()))
                        .getMessage());
        assertEquals(
                "--database-url 'postgresql://prefect:***@db/prefect?connect_timeout=3': 'connect_timeout=3': the "
                        + "only parameter taken is sslmode=allow|disable|prefer|require|verify-ca|verify-full",
                assertThrows(
                                DatabaseUrl.Invalid.class,
                                () -> DatabaseUrl.parse(
                                        "postgresql://prefect:s3cret@db/prefect?connect_timeout=3", Map.of()))
                        .getMessage());
    }
}
