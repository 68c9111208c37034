package io.egostream.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;

/**
 * Server-sent events to every open page: each page holds one {@code GET /api/events} and the console pushes what
 * changed (device statistics, new clips, standing hits, Kafka's status). A page that falls
 * {@link #MAX_QUEUED} events behind is dropped; its browser reconnects and starts again from the whole state.
 */
final class EventStream implements ConsoleKafka.Events {
  static final int MAX_QUEUED = 1_000;
  /** A comment line this often keeps proxies and the browser from closing an idle stream. */
  private static final long KEEP_ALIVE_MS = 15_000;
  private static final String CLOSE = "";

  private final ObjectMapper json;
  private final Set<BlockingQueue<String>> clients = new CopyOnWriteArraySet<>();

  EventStream(ObjectMapper json) {
    this.json = json;
  }

  @Override
  public void publish(String event, Object data) {
    String message = message(event, data);
    for (BlockingQueue<String> client : clients) {
      if (!client.offer(message)) {
        clients.remove(client);
        client.clear();
        client.offer(CLOSE);
      }
    }
  }

  /** Serves one page until it goes away: first {@code state}, then every event published. */
  void serve(HttpExchange exchange, Object state) throws IOException {
    BlockingQueue<String> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
    clients.add(queue);
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      write(out, message("state", state));
      while (true) {
        String message = queue.poll(KEEP_ALIVE_MS, TimeUnit.MILLISECONDS);
        if (CLOSE.equals(message)) {
          return;
        }
        write(out, message == null ? ": keep-alive\n\n" : message);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // The page went away.
    } finally {
      clients.remove(queue);
    }
  }

  /** Ends every stream (the console is stopping). */
  void closeAll() {
    for (BlockingQueue<String> client : clients) {
      client.clear();
      client.offer(CLOSE);
    }
  }

  private String message(String event, Object data) {
    try {
      return "event: " + event + "\ndata: " + json.writeValueAsString(data) + "\n\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + event + " as JSON", e);
    }
  }

  private static void write(OutputStream out, String message) throws IOException {
    out.write(message.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
