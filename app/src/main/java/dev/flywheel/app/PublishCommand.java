package dev.flywheel.app;

import dev.flywheel.pipelines.kafka.FeedbackProducers;
import dev.flywheel.pipelines.kafka.FeedbackPublisher;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Sends a JSON Lines file to Kafka, one record per line, keyed by {@code user_id}. Lines are not
 * validated here: the ingest validates and quarantines. No Spark session is created.
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
    description = "Send a JSON Lines file (.jsonl or .jsonl.gz) to Kafka, one record per line, key = user_id.")
final class PublishCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "The .jsonl or .jsonl.gz file.")
  Path input;

  @Option(names = "--rate", paramLabel = "N", defaultValue = "0",
      description = "At most N records per second (default: as fast as possible).")
  double rate;

  @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = FeedbackProducers.DEFAULT_TOPIC,
      description = "Target topic (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(names = "--bootstrap", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9092",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}, the local broker).")
  String bootstrap;

  @Override
  public void run() {
    if (rate < 0) {
      throw new ParameterException(spec.commandLine(), "--rate must not be negative, got " + rate);
    }
    FeedbackPublisher.Result result = FeedbackPublisher.publish(input, bootstrap, topic, rate);
    spec.commandLine().getOut().println(String.format(Locale.ROOT,
        "Sent %d records to %s on %s in %.1f s (%.0f records/s); %d without a user_id key", result.sent(), topic,
        bootstrap, result.elapsed().toMillis() / 1000.0, result.perSecond(), result.withoutKey()));
  }
}
