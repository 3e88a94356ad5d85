package dev.flywheel.serving.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.serving.http.ServerMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load generator for {@code POST /v1/rank} over a fixed set of keep-alive HTTP/1.1
 * connections (plain NIO): requests leave at a fixed rate whatever the server's latency, each with
 * {@code candidates} distinct item ids of a pool and a random user, and each latency is measured from the moment the request was due, so a server
 * that falls behind shows it in the percentiles (no coordinated omission). Requests of the warm-up are
 * sent but not measured. {@link #runInChildJvm} runs it in a JVM of its own, so the generator's threads
 * and garbage collections do not share a heap with the server it measures.
 */
public final class ServeLoad {
  /**
   * The generator's JVM: a small heap and the serial collector (its few, short young collections keep
   * off the server's cores, where a concurrent collector would run threads beside the server's).
   */
  public static final List<String> CHILD_JVM_OPTIONS = List.of("-Xms256m", "-Xmx256m", "-XX:+UseSerialGC");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final System.Logger LOG = System.getLogger(ServeLoad.class.getName());

  /**
   * What to send.
   *
   * @param ratePerSecond requests per second
   * @param duration how long to measure
   * @param warmup how long to send before measuring
   * @param candidates candidates per request
   * @param items the item id pool ({@code i-0} ...)
   * @param users the user id pool ({@code u-0} ...)
   * @param seed the seed of the requests' contents
   * @param connections keep-alive connections the requests share
   */
  public record Config(double ratePerSecond, Duration duration, Duration warmup, int candidates, int items,
      int users, long seed, int connections) {
    /**
     * @throws IllegalArgumentException if a number is out of range
     */
    public Config {
      require(ratePerSecond > 0 && ratePerSecond <= 100_000, "--rate must be within (0, 100000], got " + ratePerSecond);
      require(!duration.isNegative() && !duration.isZero(), "--seconds must be positive");
      require(!warmup.isNegative(), "--warmup-seconds must not be negative");
      require(candidates >= 1 && candidates <= items, "--candidates must be within 1..items (" + items + "), got "
          + candidates);
      require(users >= 1, "users must be at least 1");
      require(connections >= 1 && connections <= 1024, "--connections must be within 1..1024, got " + connections);
    }

    private static void require(boolean condition, String message) {
      if (!condition) {
        throw new IllegalArgumentException(message);
      }
    }
  }

  /**
   * What the measured part of a run achieved.
   *
   * @param sent requests sent while measuring
   * @param ok of those, answered with HTTP 200
   * @param failed answered otherwise or not at all
   * @param seconds from the first measured request's due time to the last answer
   * @param p50Millis median latency of the OK answers
   * @param p95Millis 95th percentile
   * @param p99Millis 99th percentile
   * @param maxMillis slowest
   * @param connections the keep-alive connections used
   * @param waitedForConnection requests (warm-up included) that found every connection busy and waited for
   *     one; their wait is in their latency
   */
  public record Result(long sent, long ok, long failed, double seconds, double p50Millis, double p95Millis,
      double p99Millis, double maxMillis, int connections, long waitedForConnection) {
    /** OK answers per second. */
    public double throughput() {
      return ok / Math.max(seconds, 1e-9);
    }
  }

  private ServeLoad() {}

  /**
   * {@link #run} in a child {@code java} on this JVM's classpath ({@link #CHILD_JVM_OPTIONS}), its
   * diagnostics on this process's standard error.
   *
   * @throws IllegalStateException if the child fails or prints no result
   */
  public static Result runInChildJvm(URI url, Config config) throws InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(CHILD_JVM_OPTIONS);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), ServeLoad.class.getName(), url.toString(),
        Double.toString(config.ratePerSecond()), Long.toString(config.duration().toMillis()),
        Long.toString(config.warmup().toMillis()), Integer.toString(config.candidates()),
        Integer.toString(config.items()), Integer.toString(config.users()), Long.toString(config.seed()),
        Integer.toString(config.connections())));
    Process child;
    try {
      child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the load generator's JVM: " + e.getMessage(), e);
    }
    try {
      String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      int exit = child.waitFor();
      if (exit != 0 || output.isEmpty()) {
        throw new IllegalStateException("The load generator's JVM exited with " + exit + " and printed '" + output
            + "'; its errors are above");
      }
      return JSON.readValue(output.substring(output.lastIndexOf('\n') + 1), Result.class);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the load generator's result: " + e.getMessage(), e);
    } finally {
      child.destroyForcibly();
    }
  }

  /**
   * The child JVM of {@link #runInChildJvm}: {@code <url> <rate> <duration ms> <warmup ms> <candidates>
   * <items> <users> <seed> <connections>}; prints the {@link Result} as one line of JSON.
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 9) {
      System.err.println("usage: ServeLoad <url> <rate> <duration-ms> <warmup-ms> <candidates> <items> <users> <seed>"
          + " <connections>");
      System.exit(2);
    }
    // Ends with the benchmark that started it, should that one be killed.
    ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(3)));
    Config config = new Config(Double.parseDouble(args[1]), Duration.ofMillis(Long.parseLong(args[2])),
        Duration.ofMillis(Long.parseLong(args[3])), Integer.parseInt(args[4]), Integer.parseInt(args[5]),
        Integer.parseInt(args[6]), Long.parseLong(args[7]), Integer.parseInt(args[8]));
    System.out.println(JSON.writeValueAsString(run(URI.create(args[0]), config)));
  }

  /**
   * Sends the load of {@code config} to the rank endpoint {@code url} and waits for every answer (at most
   * 30 s after the last request).
   *
   * @throws UncheckedIOException if the connections cannot be opened
   */
  public static Result run(URI url, Config config) throws InterruptedException {
    long period = (long) (1e9 / config.ratePerSecond());
    long warmupRequests = config.warmup().toNanos() / period;
    int measured = (int) Math.min(Integer.MAX_VALUE - 8, config.duration().toNanos() / period);
    SplittableRandom random = new SplittableRandom(config.seed());
    boolean[] taken = new boolean[config.items()];
    try (Connections connections = Connections.open(url, config.connections(), measured)) {
      long start = System.nanoTime();
      for (long i = 0; i < warmupRequests + measured; i++) {
        long due = start + i * period;
        byte[] request = connections.request(body(config, random, i, taken));
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        connections.send(request, due, (int) (i - warmupRequests));
      }
      return connections.await(start + warmupRequests * period, measured);
    }
  }

  /**
   * The generator's keep-alive connections: requests go out on an idle one, in turn, or wait for the
   * next to free up (from their due time, so the wait counts in their latency); one thread reads every
   * answer. Connections are opened before the clock starts: a client that opens one per request under
   * load (as the JDK HttpClient's pool does whenever none is idle at that instant) measures its own
   * connection storm, thousands of handshakes through the server's single accepting thread.
   */
  private static final class Connections implements AutoCloseable {
    private final InetSocketAddress address;
    private final byte[] requestHead;
    private final Selector selector;
    private final long[] latencies;
    private final CountDownLatch answered;
    private final AtomicLong lastAnswer = new AtomicLong();
    private final Thread reader;
    private final int connectionCount;
    // Guarded by this: connections with no request in flight (used in turn) and requests waiting for one.
    private final ArrayDeque<Connection> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private long waited;
    private volatile boolean closed;

    private record Waiting(byte[] request, long due, int slot) {}

    private Connections(InetSocketAddress address, byte[] requestHead, Selector selector, int count, int measured) {
      this.address = address;
      this.connectionCount = count;
      this.requestHead = requestHead;
      this.selector = selector;
      this.latencies = new long[measured];
      Arrays.fill(latencies, -1);
      this.answered = new CountDownLatch(measured);
      this.reader = new Thread(this::readAnswers, "flywheel-bench-reader");
      reader.setDaemon(true);
    }

    static Connections open(URI url, int count, int measured) {
      if (!"http".equals(url.getScheme()) || url.getHost() == null) {
        throw new IllegalArgumentException("--url must be http://host:port/path, got " + url);
      }
      int port = url.getPort() == -1 ? 80 : url.getPort();
      String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
      byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + port
          + "\r\nContent-Type: application/json\r\nContent-Length: ").getBytes(StandardCharsets.US_ASCII);
      try {
        Connections connections = new Connections(new InetSocketAddress(url.getHost(), port), head,
            Selector.open(), count, measured);
        for (int i = 0; i < count; i++) {
          connections.idle.addLast(connections.connect());
        }
        connections.reader.start();
        return connections;
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot connect the load generator to " + url + ": " + e.getMessage()
            + "; is the server up?", e);
      }
    }

    private Connection connect() throws IOException {
      SocketChannel channel = SocketChannel.open(address);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      channel.configureBlocking(false);
      Connection connection = new Connection(channel);
      channel.register(selector, SelectionKey.OP_READ, connection);
      return connection;
    }

    /** The bytes of one POST of {@code body}. */
    byte[] request(byte[] body) {
      byte[] length = (body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      byte[] request = Arrays.copyOf(requestHead, requestHead.length + length.length + body.length);
      System.arraycopy(length, 0, request, requestHead.length, length.length);
      System.arraycopy(body, 0, request, requestHead.length + length.length, body.length);
      return request;
    }

    /** Sends {@code request}, due at {@code due}, measured in {@code slot} (a warm-up one when negative). */
    void send(byte[] request, long due, int slot) {
      Connection connection;
      synchronized (this) {
        connection = idle.pollFirst();
        if (connection == null) {
          waiting.addLast(new Waiting(request, due, slot));
          waited++;
          return;
        }
      }
      write(connection, request, due, slot);
    }

    private void write(Connection connection, byte[] request, long due, int slot) {
      connection.due = due;
      connection.slot = slot;
      ByteBuffer out = ByteBuffer.wrap(request);
      try {
        while (out.hasRemaining()) {
          if (connection.channel.write(out) == 0) {
            Thread.onSpinWait();
          }
        }
      } catch (IOException e) {
        // The reader sees the broken connection too, and fails the request there.
        LOG.log(Level.DEBUG, "A load generator connection broke: " + e.getMessage());
      }
    }

    private void readAnswers() {
      try {
        while (!closed) {
          selector.select();
          for (SelectionKey key : selector.selectedKeys()) {
            readOn(key);
          }
          selector.selectedKeys().clear();
        }
      } catch (IOException | ClosedSelectorException e) {
        if (!closed) {
          LOG.log(Level.WARNING, "The load generator stopped reading answers: " + e);
        }
      }
    }

    private void readOn(SelectionKey key) {
      Connection connection = (Connection) key.attachment();
      int status;
      try {
        status = connection.read();
      } catch (IOException e) {
        status = 0;
      }
      if (status == Connection.INCOMPLETE) {
        return;
      }
      answer(connection.slot, connection.due, status);
      connection.slot = Connection.NO_REQUEST;
      if (status == 0) {
        key.cancel();
        reconnect(connection);
      } else {
        free(connection);
      }
    }

    private void answer(int slot, long due, int status) {
      if (slot < 0) {
        return;
      }
      long now = System.nanoTime();
      if (status == 200) {
        latencies[slot] = now - due;
      }
      lastAnswer.accumulateAndGet(now, Math::max);
      answered.countDown();
    }

    /** A broken connection (server gone or closed it) is replaced, so the load keeps its connections. */
    private void reconnect(Connection broken) {
      if (closed) {
        return;
      }
      synchronized (this) {
        idle.remove(broken);
      }
      try {
        broken.channel.close();
        free(connect());
      } catch (IOException e) {
        LOG.log(Level.WARNING, "The load generator lost a connection to " + address + ": " + e.getMessage());
      }
    }

    private void free(Connection connection) {
      Waiting next;
      synchronized (this) {
        next = waiting.pollFirst();
        if (next == null) {
          idle.addLast(connection);
          return;
        }
      }
      write(connection, next.request(), next.due(), next.slot());
    }

    Result await(long measureFrom, int measured) throws InterruptedException {
      answered.await(30, TimeUnit.SECONDS);
      long[] ok = Arrays.stream(latencies).filter(latency -> latency >= 0).sorted().toArray();
      double seconds = (Math.max(lastAnswer.get(), measureFrom) - measureFrom) / 1e9;
      long queued;
      synchronized (this) {
        queued = waited;
      }
      return new Result(measured, ok.length, measured - ok.length, seconds, ServerMetrics.percentile(ok, 0.50),
          ServerMetrics.percentile(ok, 0.95), ServerMetrics.percentile(ok, 0.99),
          ok.length == 0 ? 0 : ok[ok.length - 1] / 1e6, connectionCount, queued);
    }

    @Override
    public void close() {
      closed = true;
      try {
        for (SelectionKey key : selector.keys()) {
          key.channel().close();
        }
        selector.close();
      } catch (IOException e) {
        LOG.log(Level.DEBUG, "Closing the load generator's connections: " + e.getMessage());
      }
    }
  }

  /**
   * One keep-alive connection and the answer being read on it: HTTP/1.1 with a Content-Length body
   * (what the rank server sends), one request at a time.
   */
  private static final class Connection {
    static final int INCOMPLETE = -1;
    static final int NO_REQUEST = Integer.MIN_VALUE;
    final SocketChannel channel;
    ByteBuffer in = ByteBuffer.allocate(16 * 1024);
    // Written by the sending thread before the request's bytes leave, read by the reader after its answer.
    volatile long due;
    volatile int slot = NO_REQUEST;

    Connection(SocketChannel channel) {
      this.channel = channel;
    }

    /**
     * Reads what arrived: the answer's status once it is complete, {@link #INCOMPLETE} before, 0 when the
     * connection closed or the answer is not one this generator reads.
     */
    int read() throws IOException {
      if (!in.hasRemaining()) {
        in = ByteBuffer.allocate(in.capacity() * 2).put(in.flip());
      }
      if (channel.read(in) < 0) {
        return 0;
      }
      byte[] bytes = in.array();
      int end = in.position();
      int headEnd = indexOf(bytes, end, HEAD_END);
      if (headEnd < 0) {
        return INCOMPLETE;
      }
      String head = new String(bytes, 0, headEnd, StandardCharsets.ISO_8859_1);
      long length = contentLength(head);
      if (length < 0) {
        LOG.log(Level.WARNING, "The load generator reads answers with a Content-Length only, got: " + head);
        return 0;
      }
      if (end < headEnd + HEAD_END.length + length) {
        return INCOMPLETE;
      }
      in.clear();
      return Integer.parseInt(head.substring(9, 12));
    }

    private static long contentLength(String head) {
      for (String line : head.split("\r\n")) {
        if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
          return Long.parseLong(line.substring(15).strip());
        }
      }
      return -1;
    }

    private static int indexOf(byte[] bytes, int end, byte[] target) {
      for (int i = 0; i + target.length <= end; i++) {
        if (Arrays.equals(bytes, i, i + target.length, target, 0, target.length)) {
          return i;
        }
      }
      return -1;
    }
  }

  private static final byte[] HEAD_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** A request body; {@code taken} is all false on entry and on return (one array for every request). */
  private static byte[] body(Config config, SplittableRandom random, long number, boolean[] taken) {
    StringBuilder json = new StringBuilder(32 + 12 * config.candidates());
    json.append("{\"request_id\":\"bench-").append(number).append("\",\"user_id\":\"u-")
        .append(random.nextInt(config.users())).append("\",\"surface\":\"recommendation\",\"candidates\":[");
    int first = random.nextInt(config.items());
    int step = 1 + random.nextInt(Math.max(1, config.items() / config.candidates()));
    int[] chosen = new int[config.candidates()];
    int written = 0;
    for (int k = first; written < config.candidates(); k = (k + step) % config.items()) {
      while (taken[k]) {
        k = (k + 1) % config.items();
      }
      taken[k] = true;
      chosen[written] = k;
      json.append(written++ == 0 ? "\"i-" : ",\"i-").append(k).append('"');
    }
    for (int k : chosen) {
      taken[k] = false;
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }
}
