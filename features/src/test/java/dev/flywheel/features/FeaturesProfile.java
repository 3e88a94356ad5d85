package dev.flywheel.features;

import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.TableSpec;
import dev.flywheel.lakehouse.Tables;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * A profiling harness, not a test: lands {@code events} simulated events (the last 1 % a second commit,
 * later in time), runs one full build and one incremental run of the features job, and prints, per run and
 * per write step (Delta's transaction id of {@code JobRun.idempotently}), the Spark jobs, stages, tasks,
 * shuffle bytes and executor CPU seconds, counted by a {@link SparkListener}. Executor CPU and the counts
 * hold on a busy machine; wall time does not. With a dump folder it also writes every table the job
 * writes as Parquet, so {@link #compare} can check two versions of the code agree on the same input.
 *
 * <p>{@code java ... FeaturesProfile <events> [dump-folder]} or {@code FeaturesProfile compare <a> <b>}.
 */
public final class FeaturesProfile {
  private static final String STEP_KEY = "spark.databricks.delta.write.txnAppId";

  private FeaturesProfile() {}

  /** What the listener counted for one step. */
  static final class Counts {
    long jobs;
    long stages;
    long tasks;
    long shuffleRead;
    long shuffleWrite;
    long cpuNanos;

    @Override
    public String toString() {
      return String.format("jobs %4d  stages %4d  tasks %5d  shuffle r/w %8.1f/%8.1f KB  cpu %7.2f s", jobs, stages,
          tasks, shuffleRead / 1024.0, shuffleWrite / 1024.0, cpuNanos / 1e9);
    }
  }

  /** Counts per step; a job outside every write step counts under the phase the harness set. */
  static final class StepListener extends SparkListener {
    final Map<String, Counts> steps = new TreeMap<>();
    final Map<Integer, String> stageStep = new java.util.concurrent.ConcurrentHashMap<>();
    volatile String phase = "setup";

    private synchronized Counts of(String step) {
      return steps.computeIfAbsent(step, s -> new Counts());
    }

    private String stepOf(java.util.Properties properties) {
      String txn = properties == null ? null : properties.getProperty(STEP_KEY);
      if (txn == null) {
        return phase + " (reads)";
      }
      String[] parts = txn.split("/");
      String step = parts[parts.length - 1];
      return phase + " " + (step.contains("@") ? step.substring(0, step.indexOf('@')) : step);
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart job) {
      String step = stepOf(job.properties());
      of(step).jobs++;
      scala.collection.Iterator<Object> ids = job.stageIds().iterator();
      while (ids.hasNext()) {
        stageStep.put((Integer) ids.next(), step);
      }
    }

    @Override
    public synchronized void onStageCompleted(SparkListenerStageCompleted stage) {
      of(stageStep.getOrDefault(stage.stageInfo().stageId(), phase + " (?)")).stages++;
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd task) {
      Counts counts = of(stageStep.getOrDefault(task.stageId(), phase + " (?)"));
      counts.tasks++;
      if (task.taskMetrics() != null) {
        counts.cpuNanos += task.taskMetrics().executorCpuTime();
        counts.shuffleRead += task.taskMetrics().shuffleReadMetrics().totalBytesRead();
        counts.shuffleWrite += task.taskMetrics().shuffleWriteMetrics().bytesWritten();
      }
    }

    synchronized void print() {
      Map<String, Counts> totals = new TreeMap<>();
      steps.forEach((step, c) -> {
        Counts total = totals.computeIfAbsent(step.substring(0, step.indexOf(' ')), s -> new Counts());
        total.jobs += c.jobs;
        total.stages += c.stages;
        total.tasks += c.tasks;
        total.shuffleRead += c.shuffleRead;
        total.shuffleWrite += c.shuffleWrite;
        total.cpuNanos += c.cpuNanos;
        System.out.printf("%-32s %s%n", step, c);
      });
      totals.forEach((phase, c) -> System.out.printf("%-32s %s%n", "TOTAL " + phase, c));
    }
  }

  public static void main(String[] args) throws Exception {
    if (args[0].equals("compare")) {
      compare(args[1], args[2]);
      return;
    }
    if (args[0].equals("explain")) {
      explain(Integer.parseInt(args[1]));
      return;
    }
    int events = Integer.parseInt(args[0]);
    SparkSession spark = SharedSpark.session();
    BronzeRows bronze = new BronzeRows("profile");
    List<Row> all = simulate(events, 1);
    int base = all.size() * 99 / 100;
    append(spark, bronze.tables, all.subList(0, base));
    StepListener listener = new StepListener();
    spark.sparkContext().addSparkListener(listener);
    FeatureConfig config = FeatureConfig.defaults();
    listener.phase = "full";
    long start = System.nanoTime();
    FeaturesResult full = FeaturesJob.run(spark, bronze.tables, config, ReadMode.FULL);
    double fullSeconds = (System.nanoTime() - start) / 1e9;
    listener.phase = "setup";
    append(spark, bronze.tables, all.subList(base, all.size()));
    listener.phase = "incr";
    start = System.nanoTime();
    FeaturesResult incremental = FeaturesJob.run(spark, bronze.tables, config, ReadMode.INCREMENTAL);
    double incrementalSeconds = (System.nanoTime() - start) / 1e9;
    listener.phase = "setup";
    spark.sparkContext().listenerBus().waitUntilEmpty();
    listener.print();
    System.out.printf("events %d  full %.1f s (%d examples)  incremental %.1f s (%d examples)  busy machine%n",
        all.size(), fullSeconds, full.examples(), incrementalSeconds, incremental.examples());
    if (args.length > 1) {
      for (TableSpec spec : bronze.tables.written()) {
        spark.table(spec.qualifiedName()).write().mode(SaveMode.Overwrite).parquet(args[1] + "/" + spec.name());
      }
    }
    spark.stop();
  }

  /**
   * Prints the physical plan of every gold query of one slice over {@code events} simulated events, after a
   * full build, with its count of Exchanges and Sorts.
   */
  static void explain(int events) {
    SparkSession spark = SharedSpark.session();
    BronzeRows bronze = new BronzeRows("explain");
    append(spark, bronze.tables, simulate(events, 1));
    FeatureConfig config = FeatureConfig.defaults();
    FeaturesResult full = FeaturesJob.run(spark, bronze.tables, config, ReadMode.FULL);
    Timestamp from = new Timestamp(full.frontier().getTime() - 86_400_000L);
    GoldSteps.SlicePlan plan = GoldSteps.plan(spark, bronze.tables, config, from, full.frontier(), false);
    Map<String, Dataset<Row>> queries = new java.util.LinkedHashMap<>();
    queries.put("examples", plan.examples());
    plan.advanced().forEach((entity, rows) -> queries.put("advance " + entity.name(), rows));
    queries.forEach((name, query) -> {
      query.collectAsList();
      String physical = query.queryExecution().executedPlan().toString();
      System.out.println("==== " + name + ": exchanges " + occurrences(physical, "Exchange ")
          + ", sorts " + occurrences(physical, "Sort [") + ", windows " + occurrences(physical, "Window [")
          + ", joins " + occurrences(physical, "Join "));
      System.out.println(physical);
    });
    spark.stop();
  }

  private static int occurrences(String text, String what) {
    return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
  }

  private static void append(SparkSession spark, FeatureTables tables, List<Row> rows) {
    TableCatalog.append(spark.createDataFrame(rows, Tables.FEEDBACK_EVENTS.schema()), tables.bronze().qualifiedName());
  }

  /**
   * Requests of 10 impressions over 14 days, in time order, by users and items drawn from skewed
   * populations; clicks, purchases, ratings and dwell events follow some impressions within their windows.
   */
  static List<Row> simulate(int events, long seed) {
    Random random = new Random(seed);
    int users = Math.max(10, events / 40);
    int items = Math.max(10, events / 100);
    long start = Instant.parse("2026-11-01T00:00:00Z").getEpochSecond();
    long span = 14L * 86_400;
    List<Row> rows = new ArrayList<>();
    int request = 0;
    while (rows.size() < events) {
      long time = start + span * rows.size() / events;
      String user = "u" + (int) (users * Math.pow(random.nextDouble(), 2));
      String requestId = "r" + request++;
      boolean search = random.nextDouble() < 0.3;
      String query = search ? "q" + random.nextInt(50) : null;
      for (int position = 0; position < 10; position++) {
        String item = "i" + (int) (items * Math.pow(random.nextDouble(), 2));
        rows.add(row("e" + rows.size(), "impression", time, user, item, requestId, query, position, null));
        if (random.nextDouble() < 0.12) {
          long click = time + 1 + random.nextInt(600);
          rows.add(row("e" + rows.size(), "click", click, user, item, requestId, null, null, null));
          if (random.nextDouble() < 0.5) {
            rows.add(row("e" + rows.size(), "dwell", click + random.nextInt(300), user, item, requestId, null, null,
                (double) random.nextInt(200)));
          }
          if (random.nextDouble() < 0.1) {
            rows.add(row("e" + rows.size(), "purchase", click + random.nextInt(7200), user, item, requestId, null,
                null, 10.0 + random.nextInt(90)));
          }
          if (random.nextDouble() < 0.3) {
            rows.add(row("e" + rows.size(), "rating", click + random.nextInt(40_000), user, item, requestId, null,
                null, (double) (1 + random.nextInt(5))));
          }
        }
      }
    }
    rows.sort(java.util.Comparator.comparing(r -> (Timestamp) r.get(2)));
    return rows;
  }

  private static Row row(String id, String type, long epochSeconds, String user, String item, String request,
      String query, Integer position, Double value) {
    Instant time = Instant.ofEpochSecond(epochSeconds);
    return RowFactory.create(id, type, Timestamp.from(time), user, item, request,
        query == null ? "recommendation" : "search", query, position, "m1", value, Map.of("device", "mobile"), 1,
        "profile", Timestamp.from(time.plusSeconds(60)), Date.valueOf(time.atOffset(ZoneOffset.UTC).toLocalDate()));
  }

  /**
   * Compares two dumps table by table: the same rows (sorted by every column but the doubles), equal
   * values, doubles within 1e-9 relative.
   */
  static void compare(String a, String b) {
    SparkSession spark = SharedSpark.session();
    int differences = 0;
    for (TableSpec spec : FeatureTables.standard().written()) {
      Dataset<Row> left = spark.read().parquet(a + "/" + spec.name());
      Dataset<Row> right = spark.read().parquet(b + "/" + spec.name()).select(Joins.columns(left.columns()));
      String[] order = java.util.Arrays.stream(left.schema().fields())
          .filter(f -> !f.dataType().typeName().equals("double") && !f.name().equals("ingested_at"))
          .map(f -> f.name()).toArray(String[]::new);
      List<Row> x = left.orderBy(Joins.columns(order)).collectAsList();
      List<Row> y = right.orderBy(Joins.columns(order)).collectAsList();
      int tableDifferences = 0;
      if (x.size() != y.size()) {
        System.out.println(spec.name() + ": " + x.size() + " vs " + y.size() + " rows");
        differences++;
        continue;
      }
      double worst = 0;
      for (int r = 0; r < x.size(); r++) {
        for (int c = 0; c < x.get(r).size(); c++) {
          Object p = x.get(r).get(c);
          Object q = y.get(r).get(c);
          if (p instanceof Double u && q instanceof Double v) {
            double relative = Math.abs(u - v) / Math.max(1e-300, Math.max(Math.abs(u), Math.abs(v)));
            worst = Math.max(worst, u.equals(v) ? 0 : relative);
            if (!(relative <= 1e-9) && !u.equals(v)) {
              tableDifferences++;
            }
          } else if (!java.util.Objects.equals(p, q) && !left.columns()[c].equals("ingested_at")) {
            if (tableDifferences++ < 3) {
              System.out.println(spec.name() + " row " + r + " " + left.columns()[c] + ": " + p + " vs " + q);
            }
          }
        }
      }
      System.out.printf("%-24s %7d rows  %d differences  worst double %.2e%n", spec.name(), x.size(),
          tableDifferences, worst);
      differences += tableDifferences;
    }
    System.out.println(differences == 0 ? "SAME" : "DIFFERENT: " + differences);
    spark.stop();
  }
}
