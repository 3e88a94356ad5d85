package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.serving.model.IdBuckets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The server's id buckets are the features job's: Spark's pmod(xxhash64(id), buckets), bit for bit. */
class IdBucketsTest {
  private final SparkSession spark = SharedSpark.session();

  @Test
  void serverBucketsEqualSparksXxhash64ForAsciiUnicodeAndLongIds() {
    List<String> ids = new ArrayList<>(List.of("", "u", "u-42", "i-7", "用户-1", "ünïcödé", "👍🏽 emoji", "\u0000",
        "a".repeat(31), "b".repeat(32), "c".repeat(33), "d".repeat(1000)));
    Random random = new Random(5);
    for (int i = 0; i < 3000; i++) {
      StringBuilder id = new StringBuilder();
      int length = random.nextInt(80);
      for (int c = 0; c < length; c++) {
        // ASCII, Latin-1, CJK and supplementary-plane code points: 1- to 4-byte UTF-8 sequences
        int[] starts = {0x20, 0xA0, 0x4E00, 0x1F300};
        int start = starts[random.nextInt(starts.length)];
        id.appendCodePoint(start + random.nextInt(90));
      }
      ids.add(id.toString());
    }
    List<Long> bucketCounts = List.of(1L << 20, 1000L, 7L, Long.MAX_VALUE);
    List<Row> sparkBuckets = spark.createDataset(ids, Encoders.STRING()).toDF("id")
        .select(col("id"), pmod(xxhash64(col("id")), lit(bucketCounts.get(0))),
            pmod(xxhash64(col("id")), lit(bucketCounts.get(1))), pmod(xxhash64(col("id")), lit(bucketCounts.get(2))),
            pmod(xxhash64(col("id")), lit(bucketCounts.get(3))))
        .collectAsList();

    assertEquals(ids.size(), sparkBuckets.size());
    for (Row row : sparkBuckets) {
      for (int b = 0; b < bucketCounts.size(); b++) {
        assertEquals(row.getLong(b + 1), IdBuckets.bucket(row.getString(0), bucketCounts.get(b)),
            "bucket of '" + row.getString(0) + "' mod " + bucketCounts.get(b));
      }
    }
  }
}
