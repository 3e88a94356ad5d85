package dev.flywheel.serving.model;

import java.nio.charset.StandardCharsets;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The hash bucket of a user or item id, exactly as the features job computes the examples'
 * {@code user_bucket} and {@code item_bucket}: Spark's {@code pmod(xxhash64(id), buckets)}. Spark's
 * {@code xxhash64} of a string is standard XXH64 of its UTF-8 bytes with seed 42, a signed long, and
 * pmod is the non-negative remainder ({@link Math#floorMod}). XXH64 is lz4-java's (pure-Java instance,
 * no native library). Thread-safe.
 */
public final class IdBuckets {
  /** Spark's default seed of {@code xxhash64}. */
  static final long SPARK_SEED = 42;
  private static final XXHash64 XXH64 = XXHashFactory.fastestJavaInstance().hash64();

  private IdBuckets() {}

  /** {@code pmod(xxhash64(id), buckets)}, in [0, buckets). */
  public static long bucket(String id, long buckets) {
    byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
    return Math.floorMod(XXH64.hash(utf8, 0, utf8.length, SPARK_SEED), buckets);
  }
}
