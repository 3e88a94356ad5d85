package dev.flywheel.serving.rank;

import dev.flywheel.serving.online.FeatureSnapshot;
import dev.flywheel.serving.online.SnapshotPointer;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps the live {@link ServingState} in step with the champion pointer ({@code models/CHAMPION.json})
 * and the snapshot pointer ({@code online/CURRENT.json}). A poll loads whatever changed off the request
 * path and swaps the one reference requests read; a bundle or snapshot that fails to load is logged
 * (once per problem) and the previous state keeps serving. A removed champion pointer means no champion (random
 * ranking). Thread-safe; polls run on one background thread.
 */
public final class ModelWatcher implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ModelWatcher.class.getName());

  private final Path championFile;
  private final Path snapshotFile;
  private final AtomicReference<ServingState> live;
  private ScheduledExecutorService poller;
  // Guarded by this: the pointers that failed to load (not retried until they change) and the last problem logged.
  private ChampionPointer failedChampion;
  private SnapshotPointer failedSnapshot;
  private SnapshotPointer loadedSnapshot;
  private String lastProblem;

  /** A watcher of the two pointer files, starting with random ranking and no snapshot until the first poll. */
  public ModelWatcher(Path championFile, Path snapshotFile) {
    this.championFile = Objects.requireNonNull(championFile, "championFile");
    this.snapshotFile = Objects.requireNonNull(snapshotFile, "snapshotFile");
    this.live = new AtomicReference<>(ServingState.random(FeatureSnapshot.empty()));
  }

  /** The watcher of {@code FLYWHEEL_HOME}'s {@code models/CHAMPION.json} and {@code online/CURRENT.json}. */
  public static ModelWatcher forHome(Path home) {
    return new ModelWatcher(home.resolve("models").resolve("CHAMPION.json"),
        home.resolve("online").resolve("CURRENT.json"));
  }

  /** The state a request should use now; read it once per request. */
  public ServingState current() {
    return live.get();
  }

  /**
   * Reads both pointers and loads what changed; returns whether the live state changed. Never throws for
   * a bad pointer, bundle or snapshot: it logs and keeps serving the previous state.
   */
  public synchronized boolean refresh() {
    ServingState before = live.get();
    FeatureSnapshot snapshot = refreshSnapshot(before.snapshot());
    ServingState next = refreshChampion(before, snapshot);
    if (next == before) {
      return false;
    }
    live.set(next);
    lastProblem = null;
    LOG.log(Level.INFO, "Serving model version {0} with snapshot {1}", next.modelVersion(), next.snapshot().name());
    return true;
  }

  private FeatureSnapshot refreshSnapshot(FeatureSnapshot current) {
    Optional<SnapshotPointer> pointer;
    try {
      pointer = SnapshotPointer.read(snapshotFile);
    } catch (RuntimeException e) {
      return keep(current, snapshotFile, e);
    }
    if (pointer.isEmpty() || pointer.get().equals(loadedSnapshot) || pointer.get().equals(failedSnapshot)) {
      return current;
    }
    try {
      FeatureSnapshot loaded = FeatureSnapshot.load(pointer.get());
      loadedSnapshot = pointer.get();
      failedSnapshot = null;
      return loaded;
    } catch (RuntimeException e) {
      failedSnapshot = pointer.get();
      return keep(current, pointer.get().snapshot(), e);
    }
  }

  private ServingState refreshChampion(ServingState current, FeatureSnapshot snapshot) {
    Optional<ChampionPointer> pointer;
    try {
      pointer = ChampionPointer.read(championFile);
    } catch (RuntimeException e) {
      return keep(current, championFile, e).withSnapshot(snapshot);
    }
    ChampionPointer wanted = pointer.orElse(null);
    if (Objects.equals(wanted, current.champion()) || (wanted != null && wanted.equals(failedChampion))) {
      return current.withSnapshot(snapshot);
    }
    if (wanted == null) {
      return ServingState.random(snapshot);
    }
    try {
      ServingState loaded = ServingState.champion(wanted, snapshot);
      failedChampion = null;
      return loaded;
    } catch (RuntimeException e) {
      failedChampion = wanted;
      return keep(current, wanted.bundle(), e).withSnapshot(snapshot);
    }
  }

  /** Logs why {@code what} was not loaded (not again while the problem stays the same) and returns {@code current}. */
  private <T> T keep(T current, Path what, RuntimeException error) {
    String problem = "cannot load " + what + ": " + error.getMessage();
    if (!problem.equals(lastProblem)) {
      LOG.log(Level.ERROR, "Keeping the current serving state: {0}", problem);
      lastProblem = problem;
    }
    return current;
  }

  /**
   * Polls every {@code interval} on a daemon thread, after one poll on the caller's thread so the server
   * starts with the current champion.
   */
  public synchronized void start(Duration interval) {
    if (poller != null) {
      throw new IllegalStateException("already watching " + championFile);
    }
    refresh();
    poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "flywheel-model-watcher");
      thread.setDaemon(true);
      return thread;
    });
    poller.scheduleWithFixedDelay(this::refresh, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops polling. */
  @Override
  public synchronized void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
