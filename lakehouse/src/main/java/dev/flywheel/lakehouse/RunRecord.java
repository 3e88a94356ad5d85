package dev.flywheel.lakehouse;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One state of one job run, as stored in the ledger. Immutable; state changes return new
 * instances.
 *
 * @param runId id of this attempt
 * @param job job name
 * @param sequence run number of the job; a retry of an unfinished run keeps its sequence
 * @param attempt 1 for a first attempt, more for retries
 * @param status state
 * @param startedAt start of the attempt
 * @param endedAt end of the attempt, null while running
 * @param error failure message, null unless failed
 * @param params job parameters
 * @param inputs planned input ranges
 * @param outputs committed outputs
 * @param rowsIn rows read
 * @param rowsOut rows written
 */
public record RunRecord(
    String runId,
    String job,
    long sequence,
    int attempt,
    RunStatus status,
    Instant startedAt,
    Instant endedAt,
    String error,
    Map<String, String> params,
    List<InputRange> inputs,
    List<OutputCommit> outputs,
    long rowsIn,
    long rowsOut) {

  public RunRecord {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(startedAt, "startedAt");
    params = Map.copyOf(params);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /** The planned range of one input table. */
  public Optional<VersionRange> inputRange(String table) {
    return inputs.stream().filter(i -> i.table().equals(table)).map(InputRange::range).findFirst();
  }

  /** This run, ended with {@code status}. */
  public RunRecord ended(RunStatus endStatus, Instant at, String failure, List<OutputCommit> written,
      long in, long out) {
    return new RunRecord(runId, job, sequence, attempt, endStatus, startedAt, at, failure, params, inputs,
        written, in, out);
  }
}
