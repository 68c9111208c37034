package io.egostream.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egostream.kafka.EmbeddedKafka;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/**
 * The console's HTTP side without a browser. Against a Kafka that is not there: the pages are served, Kafka's
 * absence is reported readably and a query is refused at once with the reason instead of hanging, bad forms are
 * refused with what to change, and requests naming another host (DNS rebinding) or posting a non-JSON form (another
 * site's form) are refused. Against a broker without EgoStream's topics: they are named, not created; and with no
 * job, a query times out with a message saying so.
 */
class WebConsoleTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void withKafkaDownThePagesLoadAndSayWhyNothingCanBeAsked() throws Exception {
    String nowhere = "127.0.0.1:" + EmbeddedKafka.freePort();
    try (WebConsole console = WebConsole.start(new WebConsole.Settings(nowhere, InetAddress.getLoopbackAddress(), 0,
        Duration.ofSeconds(5)))) {
      HttpResponse<String> page = get(console, "/");
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("<title>EgoStream console</title>"), page.body());
      assertEquals(200, get(console, "/app.js").statusCode());

      JsonNode status = awaitStatus(console, "does not answer");
      assertEquals(false, status.get("connected").asBoolean());
      assertTrue(status.get("message").asText().startsWith("Kafka at " + nowhere + " does not answer"),
          status.toString());

      long asked = System.currentTimeMillis();
      HttpResponse<String> search = post(console, "/api/moment", "{\"text\":\"cup\",\"topK\":5}");
      assertEquals(503, search.statusCode(), search.body());
      assertTrue(JSON.readTree(search.body()).get("error").asText().contains(nowhere), search.body());
      assertTrue(System.currentTimeMillis() - asked < 5_000, "the refusal took long");

      HttpResponse<String> badForm = post(console, "/api/moment", "{\"text\":\"cup\",\"topK\":0}");
      assertEquals(400, badForm.statusCode());
      assertEquals("Invalid value 0 for top-k: must be 1 to 50", JSON.readTree(badForm.body()).get("error").asText());
      assertEquals(404, get(console, "/api/nothing").statusCode());

      HttpResponse<String> form = http.send(HttpRequest.newBuilder(console.uri().resolve("/api/standing"))
          .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(
              "text=cup")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(415, form.statusCode());
      assertEquals("HTTP/1.1 403 Forbidden", statusLine(console, "evil.example"));
      assertEquals("HTTP/1.1 200 OK", statusLine(console, "localhost:" + console.uri().getPort()));
    }
  }

  @Test
  void missingTopicsAreNamedNotCreatedAndAnUnansweredQueryTimesOutReadably() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null);
        WebConsole console = WebConsole.start(new WebConsole.Settings(kafka.bootstrapServers(),
            InetAddress.getLoopbackAddress(), 0, Duration.ofSeconds(2)))) {
      JsonNode status = awaitStatus(console, "has no topic");
      assertTrue(status.get("message").asText().startsWith("Kafka at " + kafka.bootstrapServers() + " has no topic "
          + "ego."), status.toString());
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        assertEquals(Set.of(), admin.listTopics().names().get(), "the console created topics");
      }

      kafka.createEgoStreamTopics(2);
      awaitStatus(console, "connected to Kafka at " + kafka.bootstrapServers());
      // No job reads ego.queries: the page is told so after --answer-timeout, not left waiting.
      HttpResponse<String> search = post(console, "/api/moment", "{\"text\":\"cup\",\"topK\":5}");
      assertEquals(504, search.statusCode(), search.body());
      assertTrue(JSON.readTree(search.body()).get("error").asText().matches("No answer to console-moment-\\w+ "
          + "within 2 s: is the job running on Kafka at .*"), search.body());
    }
  }

  /** The console's status once its message contains {@code text} (within 20 s). */
  private JsonNode awaitStatus(WebConsole console, String text) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    JsonNode status = JSON.readTree(get(console, "/api/state").body()).get("status");
    while (!status.get("message").asText().contains(text) && System.currentTimeMillis() < deadline) {
      Thread.sleep(250);
      status = JSON.readTree(get(console, "/api/state").body()).get("status");
    }
    assertTrue(status.get("message").asText().contains(text), status.toString());
    return status;
  }

  private HttpResponse<String> get(WebConsole console, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(console.uri().resolve(path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(WebConsole console, String path, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(console.uri().resolve(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The status line of {@code GET /} sent with {@code Host: host} (Java's HTTP clients will not set Host). */
  private static String statusLine(WebConsole console, String host) throws Exception {
    URI uri = console.uri();
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return response.substring(0, response.indexOf("\r\n"));
    }
  }
}
