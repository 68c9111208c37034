package io.egostream.console;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.Query;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;

/**
 * The web console: plain HTML, JavaScript and CSS from the jar's {@code /console/} resources, a small JSON API, and
 * server-sent events, on the JDK's HTTP server. It talks only to Kafka ({@link ConsoleKafka}), so it works against
 * any running job. Pages: Live, Search, Alerts, Ask (docs/console.md).
 *
 * <p>It has no users or passwords: bound to loopback (the default), it refuses requests whose {@code Host} is not a
 * loopback name (a web page elsewhere cannot reach it through DNS rebinding), and it takes only JSON posts (a form on
 * another site cannot post to it). Anything wider needs an authenticating proxy in front (README).
 */
public final class WebConsole implements AutoCloseable {
  private static final Map<String, String> STATIC = Map.of(
      "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/app.css", "app.css");

  /**
   * How the console is started.
   *
   * @param bootstrapServers the Kafka brokers the job uses
   * @param bind the address to listen on (loopback unless a proxy guards it)
   * @param port the port, 0 for any free one
   * @param answerTimeout how long a search, a question or a cancel waits for its answer before the page says so
   */
  public record Settings(String bootstrapServers, InetAddress bind, int port, Duration answerTimeout) {}

  private final Settings settings;
  private final ObjectMapper json = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private final EventStream events = new EventStream(json);
  private final ConsoleKafka kafka;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "console-http");
    t.setDaemon(true);
    return t;
  });

  private WebConsole(Settings settings) throws IOException {
    this.settings = settings;
    this.kafka = new ConsoleKafka(settings.bootstrapServers(), events);
    this.server = HttpServer.create(new InetSocketAddress(settings.bind(), settings.port()), 0);
    server.createContext("/", this::handle);
    server.setExecutor(threads); // one thread per open event stream, and short ones for the rest
  }

  /** Starts the console; it connects to Kafka in the background and the pages say when it cannot. */
  public static WebConsole start(Settings settings) throws IOException {
    WebConsole console = new WebConsole(settings);
    console.kafka.start();
    console.server.start();
    return console;
  }

  /** Where a browser opens it. */
  public URI uri() {
    InetSocketAddress address = server.getAddress();
    String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getAddress().getHostAddress();
    return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort() + "/");
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (!hostAllowed(exchange.getRequestHeaders().getFirst("Host"))) {
        error(exchange, 403, "This console answers only to loopback addresses (it is bound to "
            + settings.bind().getHostAddress() + "); put an authenticating proxy in front to reach it otherwise");
      } else if (method.equals("POST") && !String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"))
          .startsWith("application/json")) {
        error(exchange, 415, "Send JSON (Content-Type: application/json)");
      } else if (method.equals("GET") && STATIC.containsKey(path)) {
        resource(exchange, STATIC.get(path));
      } else {
        api(exchange, method + " " + path);
      }
    } catch (IOException e) {
      // The page went away mid-answer.
    }
  }

  private void api(HttpExchange exchange, String route) throws IOException {
    Map<String, String> params = params(exchange.getRequestURI().getRawQuery());
    long now = System.currentTimeMillis();
    try {
      switch (route) {
        case "GET /api/state" -> send(exchange, 200, kafka.state());
        case "GET /api/events" -> events.serve(exchange, kafka.state());
        case "GET /api/frame" -> newestFrame(exchange, params.getOrDefault("device", ""));
        case "GET /api/frames" -> send(exchange, 200, kafka.frames(params.getOrDefault("device", ""),
            number(params, "from"), number(params, "to")));
        case "POST /api/moment" -> answer(exchange, QueryForms.moment(id("moment"),
            read(exchange, QueryForms.MomentForm.class), now));
        case "POST /api/mcq" -> answer(exchange, QueryForms.mcq(id("mcq"), read(exchange, QueryForms.McqForm.class),
            now));
        case "POST /api/standing" -> {
          QueryForms.StandingForm form = read(exchange, QueryForms.StandingForm.class);
          Query query = QueryForms.standing(id("alert"), form, now);
          kafka.stand(query, new Views.Standing(query.getQueryId(), query.getStanding().getText(),
              form.threshold(), query.getStanding().getDeviceIdsList()));
          send(exchange, 200, Map.of("queryId", query.getQueryId()));
        }
        case "POST /api/cancel" -> {
          Query cancel = QueryForms.cancel(read(exchange, QueryForms.CancelForm.class), now);
          Answer confirmed = answer(exchange, cancel);
          if (confirmed != null && confirmed.getStatus() == Answer.Status.OK) {
            kafka.forget(cancel.getQueryId());
          }
        }
        default -> error(exchange, 404, "No such page or call: " + route);
      }
    } catch (QueryForms.InvalidForm e) {
      error(exchange, 400, e.getMessage());
    } catch (ConsoleKafka.Unavailable e) {
      error(exchange, 503, e.getMessage());
    } catch (RuntimeException e) {
      error(exchange, 500, "The console failed: " + e);
    }
  }

  /** Sends {@code query}, waits for its answer and sends it to the page; null when none came. */
  private Answer answer(HttpExchange exchange, Query query) throws IOException {
    Duration timeout = settings.answerTimeout();
    try {
      Answer answer = kafka.ask(query, timeout).get();
      send(exchange, 200, Views.AnswerView.of(answer));
      return answer;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TimeoutException) {
        error(exchange, 504, String.format(Locale.ROOT, "No answer to %s within %d s: is the job running on Kafka "
            + "at %s? (an answer that comes later is not shown)", query.getQueryId(), timeout.toSeconds(),
            settings.bootstrapServers()));
      } else {
        error(exchange, 500, "The console failed waiting for the answer: " + e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error(exchange, 503, "The console is stopping");
    }
    return null;
  }

  private void newestFrame(HttpExchange exchange, String deviceId) throws IOException {
    Views.Frame frame = kafka.newestFrame(deviceId);
    if (frame == null) {
      error(exchange, 404, "No frame of device " + deviceId + " seen yet");
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", "image/jpeg");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    body(exchange, 200, frame.jpeg());
  }

  private void resource(HttpExchange exchange, String name) throws IOException {
    try (InputStream in = WebConsole.class.getResourceAsStream("/console/" + name)) {
      if (in == null) {
        error(exchange, 500, "The jar lacks the console's " + name);
        return;
      }
      String type = name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css" : "text/html";
      exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
      body(exchange, 200, in.readAllBytes());
    }
  }

  private boolean hostAllowed(String host) {
    if (!settings.bind().isLoopbackAddress()) {
      return true;
    }
    String name = host == null ? "" : host.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
    return name.equals("localhost") || name.equals("127.0.0.1") || name.equals("[::1]")
        || name.startsWith("127.");
  }

  private <T> T read(HttpExchange exchange, Class<T> type) {
    try (InputStream in = exchange.getRequestBody()) {
      return json.readValue(in, type);
    } catch (IOException e) {
      throw new QueryForms.InvalidForm("Unreadable request: " + e.getMessage());
    }
  }

  private static long number(Map<String, String> params, String name) {
    try {
      return Long.parseLong(params.getOrDefault(name, ""));
    } catch (NumberFormatException e) {
      throw new QueryForms.InvalidForm("Invalid value '" + params.get(name) + "' for " + name + ": milliseconds "
          + "since the epoch");
    }
  }

  private static Map<String, String> params(String rawQuery) {
    Map<String, String> params = new HashMap<>();
    if (rawQuery != null) {
      for (String pair : rawQuery.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return params;
  }

  private static String id(String kind) {
    return "console-" + kind + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private void error(HttpExchange exchange, int status, String message) throws IOException {
    send(exchange, status, Map.of("error", message));
  }

  private void send(HttpExchange exchange, int status, Object value) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    body(exchange, status, json.writeValueAsBytes(value));
  }

  private static void body(HttpExchange exchange, int status, byte[] bytes) throws IOException {
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    events.closeAll();
    server.stop(0);
    kafka.close();
    threads.shutdownNow();
  }
}
