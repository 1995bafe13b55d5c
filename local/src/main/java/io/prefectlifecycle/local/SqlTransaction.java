package io.prefectlifecycle.local;

import java.sql.Connection;
import java.sql.SQLException;

/** Statements in one transaction on an autocommit connection, as one Prefect server call writes them. */
public final class SqlTransaction {

    private SqlTransaction() {}

    @FunctionalInterface
    public interface Statements {
        void run() throws SQLException;
    }

    /** Commits {@code statements} together, or rolls them back and rethrows; the connection autocommits again after. */
    public static void run(Connection db, Statements statements) throws SQLException {
        db.setAutoCommit(false);
        try {
            statements.run();
            db.commit();
        } catch (SQLException | RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }
}
