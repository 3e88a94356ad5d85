package dev.flywheel.app;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.hive.thriftserver.HiveThriftServer2;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Serves the catalog over Spark's Thrift JDBC/ODBC server (the HiveServer2 protocol) on the CLI's
 * own session, so BI tools, {@code beeline} and the notebooks see the Delta tables by name.
 */
@Command(name = "sql-server", mixinStandardHelpOptions = true,
    description = "Serve SQL over JDBC/ODBC (Spark's Thrift server, HiveServer2 protocol) on the catalog until"
        + " SIGTERM or Ctrl-C; no authentication, so loopback by default.")
final class SqlServerCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "10000", paramLabel = "PORT",
      description = "Port to listen on (default: ${DEFAULT-VALUE}).")
  int port;

  @Override
  public void run() {
    if (port < 1 || port > 65535) {
      throw new ParameterException(spec.commandLine(), "--port must be 1..65535, got " + port);
    }
    if (host.isBlank()) {
      throw new ParameterException(spec.commandLine(), "--host is empty");
    }
    SparkSession spark = flywheel.spark();
    // The server reads its settings from the session's Hadoop configuration, which carries the SQL conf.
    spark.conf().set("hive.server2.thrift.bind.host", host);
    spark.conf().set("hive.server2.thrift.port", Integer.toString(port));
    HiveThriftServer2.startWithContext(spark.sqlContext());
    PrintWriter out = spec.commandLine().getOut();
    out.println("SQL endpoint ready at jdbc:hive2://" + host + ":" + port + "/default (catalog under "
        + flywheel.home().root() + "); SIGTERM or Ctrl-C stops it");
    out.flush();
    awaitShutdown();
  }

  /**
   * Blocks until the JVM shuts down: SIGTERM or Ctrl-C runs Spark's shutdown hook, which stops the
   * context and, through the Thrift server's listener, the server.
   */
  private static void awaitShutdown() {
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
