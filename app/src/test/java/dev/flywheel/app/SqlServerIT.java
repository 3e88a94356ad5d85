package dev.flywheel.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flywheel sql-server} in its own JVM serves the catalog that {@code init} created: the Hive
 * JDBC driver lists bronze's tables and queries one by name; SIGTERM stops the server.
 */
class SqlServerIT {
  @TempDir
  Path dir;

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void awaitReady(Process server, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!Files.readString(log).contains("SQL endpoint ready at")) {
      assertTrue(server.isAlive(), "sql-server exited:\n" + Files.readString(log));
      assertTrue(System.nanoTime() < deadline, "sql-server not ready:\n" + Files.readString(log));
      Thread.sleep(250);
    }
  }

  private static List<String> column(Statement statement, String sql, String column) throws Exception {
    List<String> values = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery(sql)) {
      while (rows.next()) {
        values.add(rows.getString(column));
      }
    }
    return values;
  }

  @Test
  void theSqlEndpointServesTheCatalogByNameOverJdbc() throws Exception {
    Path home = dir.resolve("home");
    Path log = dir.resolve("cli.log");
    assertEquals(0, ChildJvm.startCli(home, log, "init").waitFor(), Files.readString(log));
    int port = freePort();
    Process server = ChildJvm.startCli(home, log, "sql-server", "--port", Integer.toString(port));
    try {
      awaitReady(server, log);
      try (Connection connection = DriverManager.getConnection("jdbc:hive2://127.0.0.1:" + port + "/default");
           Statement statement = connection.createStatement()) {
        List<String> bronze = column(statement, "SHOW TABLES IN bronze", "tableName");
        List<String> counts = column(statement, "SELECT count(*) AS events, count(DISTINCT user_id) AS users"
            + " FROM bronze.feedback_events", "events");
        List<String> columns = column(statement, "DESCRIBE TABLE bronze.feedback_events", "col_name");

        assertEquals(List.of("feedback_events", "feedback_quarantine"), bronze.stream().sorted().toList());
        assertEquals(List.of("0"), counts);
        assertTrue(columns.containsAll(List.of("event_id", "event_type", "event_time", "ingested_at")),
            columns.toString());
      }
    } finally {
      server.destroy();
      assertTrue(server.waitFor(2, TimeUnit.MINUTES), "sql-server did not stop on SIGTERM:\n" + Files.readString(log));
    }
  }
}
