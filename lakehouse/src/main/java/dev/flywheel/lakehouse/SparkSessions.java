package dev.flywheel.lakehouse;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The one factory of Spark sessions. It applies Flywheel's embedded defaults (local master, Delta,
 * a Hive metastore on Derby under the data root, small shuffles) only where the caller, a
 * {@code spark-submit --conf} or a {@code spark.*} system property has not set the key already, so
 * the same code runs against a cluster's master, metastore and object storage unchanged.
 */
public final class SparkSessions {
  private SparkSessions() {}

  /**
   * The defaults for an embedded installation at {@code home}; every key is an ordinary Spark
   * setting.
   */
  public static Map<String, String> embeddedDefaults(FlywheelHome home) {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("spark.master", "local[*]");
    defaults.put("spark.app.name", "flywheel");
    defaults.put("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");
    defaults.put("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    defaults.put("spark.sql.catalogImplementation", "hive");
    defaults.put("spark.sql.warehouse.dir", home.warehouse().toUri().toString());
    defaults.put("spark.hadoop.javax.jdo.option.ConnectionURL",
        "jdbc:derby:;databaseName=" + home.metastore() + ";create=true");
    defaults.put("spark.hadoop.datanucleus.schema.autoCreateAll", "true");
    defaults.put("spark.hadoop.hive.metastore.schema.verification", "false");
    // Two cores: the default 200 shuffle partitions would be 200 tiny tasks per stage.
    defaults.put("spark.sql.shuffle.partitions", "4");
    // Delta rebuilds a table's state (its file list) in a job of this many tasks, default 50, for every table a
    // run touches; a features run touches eight tables a dozen times, and 50 tiny tasks each were most of its
    // tasks. A few thousand files per table fit a handful of partitions.
    defaults.put("spark.databricks.delta.snapshotPartitions", "4");
    defaults.put("spark.driver.host", "127.0.0.1");
    defaults.put("spark.driver.bindAddress", "127.0.0.1");
    defaults.put("spark.ui.enabled", "false");
    defaults.put("spark.sql.session.timeZone", "UTC");
    defaults.put("spark.databricks.delta.schema.autoMerge.enabled", "false");
    defaults.put("spark.sql.streaming.checkpointLocation", home.checkpoints().toUri().toString());
    return defaults;
  }

  /**
   * Returns the session of this JVM, creating it with the embedded defaults for {@code home} under
   * the given overrides. Precedence: {@code overrides}, then {@code spark.*} system properties (set
   * by {@code spark-submit}), then the embedded defaults.
   */
  public static SparkSession getOrCreate(FlywheelHome home, Map<String, String> overrides) {
    try {
      java.nio.file.Files.createDirectories(home.root());
    } catch (java.io.IOException e) {
      throw new LakehouseException("Cannot create the data root " + home.root() + ": " + e.getMessage(), e);
    }
    // Derby writes derby.log into the working directory unless told otherwise.
    System.setProperty("derby.stream.error.file", home.root().resolve("derby.log").toString());
    SparkConf conf = new SparkConf(true);
    overrides.forEach(conf::set);
    embeddedDefaults(home).forEach(conf::setIfMissing);
    if (conf.get("spark.master").startsWith("local")) {
      // Local paths without a readlink and a chmod process per Delta commit. Only in local mode: a cluster's
      // executors would need the application jar on Hadoop's class path for every file: path.
      conf.setIfMissing("spark.hadoop.fs.file.impl", NioLocalFileSystem.class.getName());
      conf.setIfMissing("spark.hadoop.fs.AbstractFileSystem.file.impl", NioLocalFileSystem.Fs.class.getName());
    }
    SparkSession.Builder builder = SparkSession.builder().config(conf);
    if ("hive".equals(conf.get("spark.sql.catalogImplementation"))) {
      builder.enableHiveSupport();
    }
    SparkSession spark = builder.getOrCreate();
    spark.sparkContext().setLogLevel(conf.get("spark.flywheel.logLevel", "WARN"));
    return spark;
  }
}
