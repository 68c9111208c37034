package io.egostream.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The local cluster of {@code deploy/cluster.sh}, driven through that script exactly as a user drives it, on free
 * ports and in a state folder of the test's own; plus the Flink REST calls the tests check the job with.
 */
final class LocalCluster implements AutoCloseable {
  private static final Path ROOT = Path.of(System.getProperty("egostream.root", "../.."));
  private static final Path SCRIPT = ROOT.resolve("deploy").resolve("cluster.sh");
  private static final Pattern SUBMITTED = Pattern.compile("JobID ([0-9a-f]{32})");
  private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path state;
  private final int restPort;
  private final int rpcPort;
  private final int kafkaPort;
  private final HttpClient http = HttpClient.newHttpClient();

  private LocalCluster(Path state, int restPort, int rpcPort, int kafkaPort) {
    this.state = state;
    this.restPort = restPort;
    this.rpcPort = rpcPort;
    this.kafkaPort = kafkaPort;
  }

  /** {@code cluster.sh up --taskmanagers N}: a broker, a session JobManager and N TaskManagers, each a process. */
  static LocalCluster up(Path state, int taskManagers) throws Exception {
    LocalCluster cluster = new LocalCluster(state, freePort(), freePort(), freePort());
    cluster.run(Duration.ofMinutes(3), "up", "--taskmanagers", Integer.toString(taskManagers));
    return cluster;
  }

  String bootstrapServers() {
    return "127.0.0.1:" + kafkaPort;
  }

  /** {@code cluster.sh submit FLINK_RUN_OPTS -- JOB_ARGS}: the job's id. */
  String submit(List<String> runOptions, List<String> jobArgs) throws Exception {
    List<String> args = new ArrayList<>(List.of("submit"));
    args.addAll(runOptions);
    args.add("--");
    args.addAll(jobArgs);
    String out = run(Duration.ofMinutes(3), args.toArray(String[]::new));
    Matcher m = SUBMITTED.matcher(out);
    assertTrue(m.find(), "no job id in the output of submit:\n" + out);
    return m.group(1);
  }

  /** {@code cluster.sh flink stop --savepointPath DIR JOB}: the savepoint's path. */
  String stopWithSavepoint(String jobId) throws Exception {
    String out = run(Duration.ofMinutes(3), "flink", "stop", "--savepointPath",
        state.resolve("savepoints").toUri().toString(), jobId);
    Matcher m = SAVEPOINT.matcher(out);
    assertTrue(m.find(), "no savepoint path in the output of flink stop:\n" + out);
    return m.group(1);
  }

  void cancel(String jobId) throws Exception {
    run(Duration.ofMinutes(2), "flink", "cancel", jobId);
  }

  /** {@code cluster.sh crash NAME}: kill -9 of that process; the wall time just after. */
  long crash(String name) throws Exception {
    run(Duration.ofSeconds(30), "crash", name);
    return System.currentTimeMillis();
  }

  void startTaskManager() throws Exception {
    run(Duration.ofMinutes(1), "taskmanager");
  }

  void startKafka() throws Exception {
    run(Duration.ofMinutes(1), "kafka");
  }

  @Override
  public void close() throws Exception {
    run(Duration.ofMinutes(1), "down");
  }

  /** Runs the script; its output, asserted to exit 0. */
  String run(Duration timeout, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("EGOSTREAM_CLUSTER_DIR", state.toString());
    builder.environment().put("FLINK_REST_PORT", Integer.toString(restPort));
    builder.environment().put("FLINK_RPC_PORT", Integer.toString(rpcPort));
    builder.environment().put("KAFKA_PORT", Integer.toString(kafkaPort));
    String cache = System.getProperty("DJL_CACHE_DIR");
    if (cache != null) {
      builder.environment().put("DJL_CACHE_DIR", cache);
    }
    Process process = builder.start();
    Path out = Files.createTempFile(state.getParent(), "cluster-sh", ".out");
    // Read on another thread: the script's children never hold its output (it redirects theirs), so it ends.
    Thread reader = new Thread(() -> {
      try {
        Files.write(out, process.getInputStream().readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    reader.start();
    boolean ended = process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    if (!ended) {
      process.destroyForcibly().waitFor();
    }
    reader.join();
    String text = Files.readString(out);
    assertTrue(ended, "cluster.sh " + String.join(" ", args) + " took over " + timeout + ":\n" + text);
    assertEquals(0, process.exitValue(), "cluster.sh " + String.join(" ", args) + " failed:\n" + text + logs());
    return text;
  }

  /** {@code GET /path} of the REST API. */
  JsonNode rest(String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + restPort + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), path + ": " + response.body());
    return JSON.readTree(response.body());
  }

  /** The job's state and whether every one of its tasks runs. */
  boolean allTasksRunning(String jobId) throws Exception {
    JsonNode job = rest("/jobs/" + jobId);
    if (!job.path("state").asText().equals("RUNNING")) {
      return false;
    }
    for (JsonNode vertex : job.path("vertices")) {
      if (!vertex.path("status").asText().equals("RUNNING")) {
        return false;
      }
    }
    return true;
  }

  String jobState(String jobId) throws Exception {
    return rest("/jobs/" + jobId).path("state").asText();
  }

  void awaitAllTasksRunning(String jobId, Duration timeout) throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (!allTasksRunning(jobId)) {
      assertTrue(System.currentTimeMillis() < deadline, "job " + jobId + " not running within " + timeout + ": "
          + jobState(jobId) + logs());
      Thread.sleep(200);
    }
  }

  /** Restarts of the job so far (Flink's numRestarts metric). */
  long restarts(String jobId) throws Exception {
    for (JsonNode metric : rest("/jobs/" + jobId + "/metrics?get=numRestarts")) {
      return metric.path("value").asLong();
    }
    return 0;
  }

  /** The newest completed checkpoint's path, if any. */
  Optional<String> latestCheckpoint(String jobId) throws Exception {
    JsonNode completed = rest("/jobs/" + jobId + "/checkpoints").path("latest").path("completed");
    return completed.isMissingNode() || completed.isNull() ? Optional.empty()
        : Optional.of(completed.path("external_path").asText());
  }

  /** Cancels every job that has not ended, and waits until they have: the next test gets every slot. */
  void cancelRunningJobs() throws Exception {
    for (JsonNode job : rest("/jobs/overview").path("jobs")) {
      String id = job.path("jid").asText();
      if (!List.of("FAILED", "CANCELED", "FINISHED").contains(job.path("state").asText())) {
        cancel(id);
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(1).toMillis();
        while (!jobState(id).equals("CANCELED")) {
          assertTrue(System.currentTimeMillis() < deadline, "job " + id + " not cancelled: " + jobState(id));
          Thread.sleep(200);
        }
      }
    }
  }

  /** Lines of the cluster's logs (all processes) that contain {@code text}. */
  List<String> logLines(String text) throws IOException {
    List<String> lines = new ArrayList<>();
    for (Path file : logFiles()) {
      for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
        if (line.contains(text)) {
          lines.add(file.getFileName() + ": " + line);
        }
      }
    }
    return lines;
  }

  /** The tail of each process's log, for failure messages. */
  String logs() {
    StringBuilder text = new StringBuilder();
    try {
      for (Path file : logFiles()) {
        List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        text.append("\n--- ").append(file.getFileName()).append(" (last 40 lines)\n");
        lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(l -> text.append(l).append('\n'));
      }
    } catch (IOException e) {
      text.append("\n(no logs: ").append(e).append(')');
    }
    return text.toString();
  }

  /** The processes' own logs (RocksDB writes its LOG files into the same folder). */
  private List<Path> logFiles() throws IOException {
    try (Stream<Path> files = Files.list(state.resolve("log"))) {
      return files.filter(f -> f.toString().endsWith(".log") || f.toString().endsWith(".out")).sorted().toList();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
