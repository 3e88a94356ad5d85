package dev.flywheel.pipelines.ingest;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.timestamp_seconds;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import dev.flywheel.pipelines.contract.RawRecords;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * Turns MovieLens {@code ratings.csv} ({@code userId,movieId,rating,timestamp}) into contract events,
 * landed through the same validation as every other source. Per rating: an {@code impression} on
 * surface {@code recommendation} (user {@code u<userId>}, item {@code m<movieId>}, request
 * {@code u<userId>-<UTC date>}, position = order of the user's ratings that day), a {@code rating}
 * one second later with the value as rated (half stars kept, so 3.5 stays below the positive threshold of 4;
 * the lowest MovieLens rating 0.5 is raised to the contract's minimum 1), and a {@code click} one second later
 * when the rating is 4 or more. Event ids derive from the source row, so importing twice stores once.
 */
public final class MovieLensImport {
  /** The ledger's name of this job. */
  public static final String JOB = "import-movielens";
  private static final String ISO_SECONDS = "yyyy-MM-dd'T'HH:mm:ss'Z'";

  private MovieLensImport() {}

  /** Raw records (contract JSON payloads) for the numbered lines ({@link FileLines#SCHEMA}) of a ratings.csv. */
  public static Dataset<Row> contractEvents(Dataset<Row> numberedLines) {
    Column fields = split(col("text"), ",");
    Dataset<Row> ratings = numberedLines
        .where(col("line").gt(1))
        .select(col("file"), col("line"),
            element_at(fields, 1).as("user"),
            element_at(fields, 2).as("movie"),
            element_at(fields, 3).cast("double").as("rating"),
            timestamp_seconds(element_at(fields, 4).cast("long")).as("rated_at"))
        .withColumn("day", to_date(col("rated_at")))
        .withColumn("position", row_number().over(
            Window.partitionBy("user", "day").orderBy("rated_at", "movie", "line")).minus(1));
    Column id = concat(lit("ml-"), col("user"), lit("-"), col("movie"), lit("-"));
    Column common = struct(
        concat(lit("u"), col("user")).as("user_id"),
        concat(lit("m"), col("movie")).as("item_id"),
        concat(lit("u"), col("user"), lit("-"), date_format(col("day"), "yyyy-MM-dd")).as("request_id"),
        lit("recommendation").as("surface"));
    Column oneSecondLater = date_format(col("rated_at").plus(org.apache.spark.sql.functions.expr("INTERVAL 1 SECOND")),
        ISO_SECONDS);
    Column impression = to_json(struct(concat(id, lit("impression")).as("event_id"), lit("impression").as("event_type"),
        date_format(col("rated_at"), ISO_SECONDS).as("event_time"), common.getField("user_id").as("user_id"),
        common.getField("item_id").as("item_id"), common.getField("request_id").as("request_id"),
        common.getField("surface").as("surface"), col("position")));
    Column rating = to_json(struct(concat(id, lit("rating")).as("event_id"), lit("rating").as("event_type"),
        oneSecondLater.as("event_time"), common.getField("user_id").as("user_id"),
        common.getField("item_id").as("item_id"), common.getField("request_id").as("request_id"),
        common.getField("surface").as("surface"), greatest(col("rating"), lit(1.0)).as("value")));
    Column click = when(col("rating").geq(4), to_json(struct(concat(id, lit("click")).as("event_id"),
        lit("click").as("event_type"), oneSecondLater.as("event_time"), common.getField("user_id").as("user_id"),
        common.getField("item_id").as("item_id"), common.getField("request_id").as("request_id"),
        common.getField("surface").as("surface"))));
    Dataset<Row> payloads = ratings
        .select(col("file"), col("line"), explode(array(impression, rating, click)).as("text"))
        .where(col("text").isNotNull());
    return RawRecords.fromFileLines(payloads, col("text"), col("file"), col("line"), current_timestamp());
  }

  /**
   * Imports {@code ratings.csv} from a MovieLens folder.
   *
   * @throws IllegalArgumentException when the folder has no ratings.csv
   */
  public static BronzeWrites.Landed run(SparkSession spark, Path folder) {
    Path ratings = folder.resolve("ratings.csv");
    if (!ratings.toFile().isFile()) {
      throw new IllegalArgumentException("No ratings.csv in " + folder + " (expected a MovieLens folder such as"
          + " ml-latest-small)");
    }
    String file = ratings.toAbsolutePath().toUri().toString();
    return BronzeWrites.landRecorded(spark, JOB, Map.of("input", file),
        session -> contractEvents(FileLines.numbered(session, List.of(file))));
  }
}
