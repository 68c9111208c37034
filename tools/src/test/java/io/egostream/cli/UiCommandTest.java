package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.kafka.EmbeddedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code egostream ui}: bad options are usage errors; a run prints its address, serves the pages and stops. */
class UiCommandTest {
  @Test
  void badPortOrAddressIsAUsageError() {
    CommandRun port = new CommandRun();
    assertEquals(EgoStream.EXIT_USAGE, port.run("ui", "--bootstrap-servers", "localhost:9092", "--port", "70000"));
    assertTrue(port.err().contains("Invalid value 70000 for option '--port': must be 0 (any free port) to 65535"),
        port.err());
    CommandRun bind = new CommandRun();
    assertEquals(EgoStream.EXIT_USAGE, bind.run("ui", "--bootstrap-servers", "localhost:9092", "--bind",
        "no-such-host.invalid"));
    assertTrue(bind.err().contains("Invalid value no-such-host.invalid for option '--bind'"), bind.err());
  }

  @Test
  void printsItsAddressServesThePagesAndStops() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
      CommandRun run = new CommandRun();
      AtomicInteger exitCode = new AtomicInteger(-1);
      Thread command = new Thread(() -> exitCode.set(run.run("ui", "--bootstrap-servers", kafka.bootstrapServers(),
          "--port", "0")));
      command.start();
      Pattern started = Pattern.compile("EgoStream console on (http://127\\.0\\.0\\.1:\\d+/) \\(Kafka at "
          + Pattern.quote(kafka.bootstrapServers()) + "\\); Ctrl-C stops it\\.");
      long deadline = System.currentTimeMillis() + 30_000;
      Matcher m = started.matcher("");
      while (!m.reset(run.out()).find() && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(m.reset(run.out()).find(), "no address printed: " + run.out() + run.err());
      HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(m.group(1)))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode());
      command.interrupt();
      command.join(30_000);
      assertEquals(0, exitCode.get(), run.err());
    }
  }
}
