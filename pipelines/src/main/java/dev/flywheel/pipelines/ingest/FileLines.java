package dev.flywheel.pipelines.ingest;

import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Files of a backfill, each row with its file and 1-based line number, so a quarantined record
 * says exactly where it came from. Works on any Hadoop file system (local, HDFS, S3, ...).
 */
public final class FileLines {
  /** Columns of {@link #numbered}. */
  public static final StructType SCHEMA = new StructType()
      .add("file", StringType)
      .add("line", LongType)
      .add("text", StringType);

  private FileLines() {}

  /**
   * The files matching {@code pathOrGlob}, sorted by name.
   *
   * @throws IllegalArgumentException when nothing matches
   */
  public static List<String> expand(SparkSession spark, String pathOrGlob) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Path pattern = new Path(pathOrGlob);
    try {
      FileSystem fs = pattern.getFileSystem(hadoop);
      FileStatus[] matches = fs.globStatus(pattern);
      List<String> files = new ArrayList<>();
      if (matches != null) {
        for (FileStatus match : matches) {
          if (match.isFile()) {
            files.add(match.getPath().toString());
          } else {
            for (FileStatus child : fs.listStatus(match.getPath())) {
              if (child.isFile() && !child.getPath().getName().startsWith(".")
                  && !child.getPath().getName().startsWith("_")) {
                files.add(child.getPath().toString());
              }
            }
          }
        }
      }
      if (files.isEmpty()) {
        throw new IllegalArgumentException("No input file matches " + pathOrGlob);
      }
      files.sort(String::compareTo);
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + pathOrGlob + ": " + e.getMessage(), e);
    }
  }

  /**
   * The rows of Parquet files with the contract's column names, each as a JSON object text, so they
   * pass the same validation as JSON Lines; the "line" is the 1-based row number in the file.
   */
  public static Dataset<Row> numberedParquet(SparkSession spark, List<String> files) {
    Dataset<Row> all = null;
    for (String file : files) {
      JavaRDD<Row> rows = spark.read().parquet(file)
          .select(org.apache.spark.sql.functions.to_json(org.apache.spark.sql.functions.struct("*")))
          .javaRDD().zipWithIndex()
          .map((Tuple2<Row, Long> t) -> RowFactory.create(file, t._2() + 1, t._1().getString(0)));
      Dataset<Row> lines = spark.createDataFrame(rows, SCHEMA);
      all = all == null ? lines : all.unionAll(lines);
    }
    return all;
  }

  /** The lines of text files (gzip is read transparently), numbered from 1 per file. */
  public static Dataset<Row> numbered(SparkSession spark, List<String> files) {
    Dataset<Row> all = null;
    for (String file : files) {
      JavaRDD<Row> rows = spark.read().text(file).javaRDD().zipWithIndex()
          .map((Tuple2<Row, Long> t) -> RowFactory.create(file, t._2() + 1, t._1().getString(0)));
      Dataset<Row> lines = spark.createDataFrame(rows, SCHEMA);
      all = all == null ? lines : all.unionAll(lines);
    }
    return all;
  }
}
