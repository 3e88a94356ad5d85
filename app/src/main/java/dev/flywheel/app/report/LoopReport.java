package dev.flywheel.app.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.lakehouse.LakehouseException;
import dev.flywheel.lakehouse.Tables;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The closed loop's report: per model version its online CTR (and lift over random ranking) and offline
 * holdout metrics, CTR per version over event time, and ingest lag; as a text summary and as one
 * self-contained HTML file whose charts are drawn by Chart.js, inlined from its WebJar so the report
 * opens without a network.
 */
public final class LoopReport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHART_JS = "/META-INF/resources/webjars/chart.js/4.4.1/dist/chart.umd.js";
  private static final String TEMPLATE = "/dev/flywheel/app/report/loop-report.html";
  /** Points on the CTR-over-time chart, roughly. */
  private static final int TIME_BUCKETS = 40;

  /** One model version's online figures. */
  public record VersionLine(String modelVersion, long impressions, long clicks, double ctr, Double auc,
      Double logLoss, String status) {
    /** CTR relative to random ranking's, when both exist. */
    public Optional<Double> liftOver(Optional<VersionLine> random) {
      return random.filter(r -> r.ctr() > 0).map(r -> ctr / r.ctr());
    }
  }

  private final List<VersionLine> versions;
  private final ObjectNode data;

  private LoopReport(List<VersionLine> versions, ObjectNode data) {
    this.versions = versions;
    this.data = data;
  }

  /** Reads the catalog's silver.impressions, ml.model_versions and ops.ingest_batches. */
  public static LoopReport collect(SparkSession spark) {
    Dataset<Row> impressions = spark.table(Tables.IMPRESSIONS.qualifiedName());
    Map<String, Row> offline = new LinkedHashMap<>();
    for (Row row : LoopMetrics.offlineMetrics(spark.table(Tables.MODEL_VERSIONS.qualifiedName())).collectAsList()) {
      offline.put(String.valueOf(row.<Long>getAs("version")), row);
    }
    List<VersionLine> versions = new ArrayList<>();
    for (Row row : LoopMetrics.onlineCtrByVersion(impressions).collectAsList()) {
      String version = row.getAs("model_version");
      Row model = offline.get(version);
      versions.add(new VersionLine(version, row.<Long>getAs("impressions"), row.<Long>getAs("clicks"),
          row.<Double>getAs("ctr"), model == null ? null : model.getAs("auc"),
          model == null ? null : model.getAs("log_loss"), model == null ? null : model.getAs("status")));
    }
    ObjectNode data = JSON.createObjectNode();
    data.put("generated_at", Instant.now().toString());
    data.set("versions", JSON.valueToTree(versions));
    data.set("ctr_over_time", ctrOverTime(impressions));
    data.set("offline", offlineChart(offline.values()));
    data.set("ingest_lag", ingestLag(spark.table(Tables.INGEST_BATCHES.qualifiedName())));
    return new LoopReport(List.copyOf(versions), data);
  }

  /** Online figures per model version, in the order the versions started serving. */
  public List<VersionLine> versions() {
    return versions;
  }

  /** The versions as printable lines with the lift over random ranking. */
  public String summary() {
    Optional<VersionLine> random = versions.stream()
        .filter(v -> v.modelVersion().equals(LoopMetrics.RANDOM)).findFirst();
    StringBuilder text = new StringBuilder(String.format("%-10s %12s %8s %8s %8s %10s %s%n", "version", "impressions",
        "ctr", "lift", "auc", "log_loss", "status"));
    for (VersionLine v : versions) {
      text.append(String.format("%-10s %12d %8.4f %8s %8s %10s %s%n", v.modelVersion(), v.impressions(), v.ctr(),
          v.liftOver(random).map(l -> String.format("%.2fx", l)).orElse("-"),
          v.auc() == null ? "-" : String.format("%.4f", v.auc()),
          v.logLoss() == null ? "-" : String.format("%.4f", v.logLoss()), v.status() == null ? "" : v.status()));
    }
    return text.toString();
  }

  /** Writes the HTML report to {@code file} (its folder is created). */
  public Path writeHtml(Path file) {
    try {
      String html = resource(TEMPLATE)
          .replace("/*CHART_JS*/", resource(CHART_JS))
          .replace("/*DATA*/", JSON.writeValueAsString(data).replace("</", "<\\/"));
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, html, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new LakehouseException("Cannot write the loop report to " + file + ": " + e.getMessage(), e);
    }
  }

  private static ObjectNode ctrOverTime(Dataset<Row> impressions) {
    Row span = impressions.selectExpr("min(event_time)", "max(event_time)").first();
    ObjectNode chart = JSON.createObjectNode();
    if (span.isNullAt(0)) {
      chart.set("labels", JSON.createArrayNode());
      chart.set("series", JSON.createObjectNode());
      return chart;
    }
    long seconds = (((Timestamp) span.get(1)).getTime() - ((Timestamp) span.get(0)).getTime()) / 1000;
    long bucket = Math.max(60, (seconds / TIME_BUCKETS + 59) / 60 * 60);
    List<Row> rows = LoopMetrics.onlineCtrOverTime(impressions, bucket).collectAsList();
    TreeSet<String> labels = new TreeSet<>();
    rows.forEach(row -> labels.add(((Timestamp) row.getAs("bucket")).toInstant().toString()));
    List<String> ordered = new ArrayList<>(labels);
    ObjectNode series = JSON.createObjectNode();
    for (Row row : rows) {
      String version = row.getAs("model_version");
      ArrayNode points = series.has(version) ? (ArrayNode) series.get(version) : nulls(series.putArray(version),
          ordered.size());
      points.set(ordered.indexOf(((Timestamp) row.getAs("bucket")).toInstant().toString()),
          JSON.getNodeFactory().numberNode(row.<Double>getAs("ctr")));
    }
    chart.set("labels", JSON.valueToTree(ordered));
    chart.set("series", series);
    chart.put("bucket_seconds", bucket);
    return chart;
  }

  private static ArrayNode nulls(ArrayNode array, int size) {
    for (int i = 0; i < size; i++) {
      array.addNull();
    }
    return array;
  }

  private static ArrayNode offlineChart(Iterable<Row> versions) {
    ArrayNode rows = JSON.createArrayNode();
    for (Row row : versions) {
      ObjectNode line = rows.addObject();
      for (String field : row.schema().fieldNames()) {
        Object value = row.getAs(field);
        line.set(field, JSON.valueToTree(value instanceof Timestamp t ? t.toInstant().toString() : value));
      }
    }
    return rows;
  }

  private static ArrayNode ingestLag(Dataset<Row> batches) {
    ArrayNode rows = JSON.createArrayNode();
    for (Row row : LoopMetrics.ingestLag(batches).collectAsList()) {
      rows.addObject().put("committed_at", ((Timestamp) row.getAs("committed_at")).toInstant().toString())
          .put("records", row.<Long>getAs("records"))
          .put("p50_ms", row.<Long>getAs("latency_p50_ms"))
          .put("p99_ms", row.<Long>getAs("latency_p99_ms"));
    }
    return rows;
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = LoopReport.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("resource " + name + " is missing from the application jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
