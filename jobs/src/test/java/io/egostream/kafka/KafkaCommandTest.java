package io.egostream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.cli.EgoStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code egostream kafka}: options, errors, and a run stopped the way tests can stop it (interrupt). */
class KafkaCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine commandLine = EgoStream.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return commandLine.execute(args);
  }

  @Test
  void helpShowsTheDefaults() {
    assertEquals(0, run("kafka", "--help"));
    String help = out.toString().replaceAll("\\s+", " ");
    assertTrue(help.contains("(default: 9092)"), help);
    assertTrue(help.contains("(default: 4)"), help);
  }

  @Test
  void badValuesAreUsageErrors() {
    assertEquals(2, run("kafka", "--port", "70000"));
    assertTrue(err.toString().contains("Invalid value 70000 for option '--port'"), err.toString());
    assertEquals(2, run("kafka", "--partitions", "0"));
    assertTrue(err.toString().contains("Invalid value 0 for option '--partitions'"), err.toString());
  }

  @Test
  void aPortInUseSaysWhichAndHowToFixIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(EmbeddedKafka.HOST))) {
      assertEquals(2, run("kafka", "--port", Integer.toString(taken.getLocalPort())));
    }
    String line = err.toString().lines().findFirst().orElse("");
    assertTrue(line.contains("is in use") && line.contains("--port 0"), err.toString());
  }

  @Test
  void runsWithTheTopicsUntilInterrupted() throws Exception {
    AtomicInteger exitCode = new AtomicInteger(-1);
    Thread command = new Thread(() -> exitCode.set(run("kafka", "--port", "0", "--partitions", "2")));
    command.start();
    try {
      String bootstrap = awaitBootstrapServers(Duration.ofSeconds(30));
      assertTrue(out.toString().contains("ego.frames       2 partitions"), out.toString());
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        Set<String> topics = admin.listTopics().names().get();
        assertTrue(topics.containsAll(EgoStreamTopics.ALL), topics.toString());
      }
    } finally {
      command.interrupt();
      command.join(Duration.ofSeconds(30).toMillis());
    }
    assertFalse(command.isAlive());
    assertEquals(0, exitCode.get(), err.toString());
    assertTrue(out.toString().contains("Kafka stopped."), out.toString());
  }

  private String awaitBootstrapServers(Duration timeout) throws InterruptedException {
    Pattern line = Pattern.compile("bootstrap\\.servers=(\\S+)");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher matcher = line.matcher(out.toString());
      if (matcher.find()) {
        return matcher.group(1);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no bootstrap.servers line within " + timeout + "; out: " + out + "; err: " + err);
  }
}
