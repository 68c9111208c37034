package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo --ui} in a JVM of its own: it prints the console's address, serves the console while the stream runs,
 * keeps serving it after the summary, and stops cleanly on SIGTERM (what Ctrl-C also does).
 */
class DemoUiTest {
  @Test
  void theConsoleStaysUpAfterTheStreamUntilStopped(@TempDir Path tmp) throws Exception {
    Process demo = new ProcessBuilder(DemoConsoleTest.command(tmp, "demo", "--ui", "--port", "0", "--devices", "2",
        "--duration", "6s")).redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(demo.getInputStream(),
        StandardCharsets.UTF_8))) {
      String console = null;
      String line;
      while ((line = out.readLine()) != null) {
        lines.add(line);
        if (line.startsWith("console: ")) {
          console = line.substring("console: ".length());
        }
        if (line.startsWith("The stream has ended")) {
          break;
        }
      }
      assertTrue(console != null && console.matches("http://127\\.0\\.0\\.1:\\d+/"), String.join("\n", lines));
      assertTrue(lines.get(lines.size() - 2).startsWith("SUMMARY {"), String.join("\n", lines));
      assertEquals("The stream has ended; the console (" + console + ") and the job stay up until Ctrl-C.",
          lines.get(lines.size() - 1));

      Thread.sleep(2_000); // still up a while after the stream
      HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(console))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("<title>EgoStream console</title>"));
      assertTrue(demo.isAlive());

      demo.destroy(); // SIGTERM
      assertTrue(demo.waitFor(60, TimeUnit.SECONDS), "the demo did not stop within 60 s of SIGTERM");
      assertEquals(0, demo.exitValue(), String.join("\n", lines));
    } finally {
      demo.destroyForcibly().waitFor();
    }
  }
}
