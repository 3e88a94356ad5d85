package dev.flywheel.app;

import dev.flywheel.lakehouse.RunRecord;
import dev.flywheel.pipelines.ingest.StreamingIngest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Streams feedback from Kafka into bronze, exactly once. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Stream feedback events from Kafka into bronze (micro-batches, exactly once, with quarantine).")
final class IngestCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Option(names = "--bootstrap", defaultValue = "127.0.0.1:9092", paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
  String bootstrap;

  @Option(names = "--topic", defaultValue = "feedback.events", description = "Topic (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(names = "--starting-offsets", defaultValue = "earliest",
      description = "earliest, latest or Spark's JSON offsets; used by a new checkpoint only (default: ${DEFAULT-VALUE}).")
  String startingOffsets;

  @Option(names = "--max-offsets-per-trigger", defaultValue = "0", paramLabel = "N",
      description = "Records per micro-batch at most; 0 = no limit (default).")
  long maxOffsetsPerTrigger;

  @Option(names = "--trigger-seconds", defaultValue = "10", paramLabel = "S",
      description = "Seconds between micro-batches (default: ${DEFAULT-VALUE}).")
  long triggerSeconds;

  @Option(names = "--available-now",
      description = "Process what is in the topic, then stop (scheduled catch-up runs).")
  boolean availableNow;

  @Option(names = "--dedupe-window-minutes", defaultValue = "1440", paramLabel = "M",
      description = "A resent event_id is recognised for this long after its first arrival (default: ${DEFAULT-VALUE}).")
  long dedupeWindowMinutes;

  @Option(names = "--kafka-option", paramLabel = "kafka.KEY=VALUE",
      description = "Passed to the Kafka source as is, e.g. kafka.security.protocol=SASL_SSL; repeatable.")
  Map<String, String> kafkaOptions = new LinkedHashMap<>();

  @Option(names = "--checkpoint", paramLabel = "PATH",
      description = "Checkpoint location (default: $FLYWHEEL_HOME/checkpoints/ingest-<topic>).")
  String checkpoint;

  @Override
  public void run() {
    StreamingIngest.Config config = Arguments.valid(spec, () -> new StreamingIngest.Config(bootstrap, topic,
        startingOffsets, maxOffsetsPerTrigger, Duration.ofSeconds(triggerSeconds), availableNow,
        Duration.ofMinutes(dedupeWindowMinutes), kafkaOptions,
        checkpoint != null ? checkpoint : StreamingIngest.Config.defaultCheckpoint(flywheel.home(), topic)));
    RunRecord run = StreamingIngest.run(flywheel.spark(), config);
    PrintWriter out = spec.commandLine().getOut();
    out.println("ingest of " + topic + ": " + run.rowsIn() + " records, " + run.rowsOut() + " landed in bronze"
        + " (valid + quarantined); per-batch metrics in ops.ingest_batches");
    out.flush();
  }
}
