package dev.flywheel.pipelines.ingest;

import dev.flywheel.pipelines.contract.FeedbackValidation;
import dev.flywheel.pipelines.contract.RawRecords;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/** Validated records as a micro-batch of the stream would carry them. */
final class StreamingIngestTestRows {
  private StreamingIngestTestRows() {}

  static Dataset<Row> validated(SparkSession spark, List<String> payloads) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < payloads.size(); i++) {
      rows.add(RowFactory.create(payloads.get(i).getBytes(StandardCharsets.UTF_8), "u-1", RawRecords.KAFKA,
          "feedback.events", 0, (long) (payloads.get(0).hashCode() & 0xffff) + i, null, null,
          new Timestamp(System.currentTimeMillis())));
    }
    return FeedbackValidation.validate(spark.createDataFrame(rows, RawRecords.SCHEMA));
  }
}
