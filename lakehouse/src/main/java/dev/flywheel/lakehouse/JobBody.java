package dev.flywheel.lakehouse;

/** The work of one job run: reads through the run, writes through it, returns its row counts. */
@FunctionalInterface
public interface JobBody {
  RowCounts apply(JobRun run);
}
