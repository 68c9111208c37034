package io.egostream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.cli.CommandRun;
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

/** {@code egostream kafka}: options, errors, and a run stopped the way tests can stop it (interrupt). */
class KafkaCommandTest {

  private final CommandRun cli = new CommandRun();

  private int run(String... args) {
    return cli.run(args);
  }

  @Test
  void helpShowsTheDefaults() {
    assertEquals(0, run("kafka", "--help"));
    String help = cli.out().replaceAll("\\s+", " ");
    assertTrue(help.contains("(default: 9092)"), help);
    assertTrue(help.contains("(default: 4)"), help);
  }

  @Test
  void badValuesAreUsageErrors() {
    assertEquals(2, run("kafka", "--port", "70000"));
    assertTrue(cli.err().contains("Invalid value 70000 for option '--port'"), cli.err());
    assertEquals(2, run("kafka", "--partitions", "0"));
    assertTrue(cli.err().contains("Invalid value 0 for option '--partitions'"), cli.err());
  }

  @Test
  void aPortInUseSaysWhichAndHowToFixIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(EmbeddedKafka.HOST))) {
      assertEquals(2, run("kafka", "--port", Integer.toString(taken.getLocalPort())));
    }
    String line = cli.err().lines().findFirst().orElse("");
    assertTrue(line.contains("is in use") && line.contains("--port 0"), cli.err());
  }

  @Test
  void runsWithTheTopicsUntilInterrupted() throws Exception {
    AtomicInteger exitCode = new AtomicInteger(-1);
    Thread command = new Thread(() -> exitCode.set(run("kafka", "--port", "0", "--partitions", "2")));
    command.start();
    try {
      String bootstrap = awaitBootstrapServers(Duration.ofSeconds(30));
      assertTrue(cli.out().contains("ego.frames       2 partitions"), cli.out());
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        Set<String> topics = admin.listTopics().names().get();
        assertTrue(topics.containsAll(EgoStreamTopics.ALL), topics.toString());
      }
    } finally {
      command.interrupt();
      command.join(Duration.ofSeconds(30).toMillis());
    }
    assertFalse(command.isAlive());
    assertEquals(0, exitCode.get(), cli.err());
    assertTrue(cli.out().contains("Kafka stopped."), cli.out());
  }

  /** The address, once the whole banner is out (its last line): the topic lines come after the address. */
  private String awaitBootstrapServers(Duration timeout) throws InterruptedException {
    Pattern line = Pattern.compile("bootstrap\\.servers=(\\S+)");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String out = cli.out();
      Matcher matcher = line.matcher(out);
      if (out.contains("Ctrl-C stops the broker.") && matcher.find()) {
        return matcher.group(1);
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "no bootstrap.servers line within " + timeout + "; out: " + cli.out() + "; err: " + cli.err());
  }
}
