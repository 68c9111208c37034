package io.egostream.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.job.EgoStreamOptions;
import io.egostream.job.TestKafka;
import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.proto.v1.ClipEmbedding;
import io.egostream.simulate.WearableSimulator;
import java.io.File;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in headless Chromium against what {@code demo --ui} runs: an in-process broker, the job on a local
 * Flink cluster with the shipped model, and simulated wearables streaming in real time. Live tiles show decoded
 * frames and a kept-token overlay whose patches per stage are the embedding's token counts; a search renders hit
 * cards with decoded frames inside the simulated range; a standing query's alert arrives and it can be cancelled; an
 * MCQ built by clicking the timelines is answered with its choice highlighted and five scores; an invalid MCQ's
 * {@code ERROR} answer is shown as a message. Screenshots of every page go to {@code target/console-screenshots/};
 * page load and search round-trip times are printed.
 */
class ConsoleBrowserTest {
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
  private static final int DEVICES = 3;
  private static final long DURATION_MS = 45_000;
  private static final String TEXT = "#C C picks up the cup";

  @Test
  void livePagesSearchAlertsAskAndErrorsInARealBrowser() throws Exception {
    assertTrue(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM), "no " + CHROMIUM + " or "
        + CHROMEDRIVER + ": apt-get install -y chromium chromium-driver (.ci/run does)");
    Files.createDirectories(SCREENSHOTS);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null);
        KafkaProducer<byte[], byte[]> producer = TestKafka.producer(kafka)) {
      kafka.createEgoStreamTopics(2);
      Configuration conf = new Configuration();
      conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      conf.set(EgoStreamOptions.CHECKPOINT_INTERVAL_MS, 500L);
      conf.set(EgoStreamOptions.MCQ_TIMEOUT_MS, 3_000L);
      conf.set(EgoStreamOptions.MCQ_SAFETY_TIMEOUT_MS, 3_000L);
      // The alert must fire on the first clips whatever the model thinks of them: a threshold of -1.
      conf.set(EgoStreamOptions.STANDING_MIN_THRESHOLD, -1f);
      JobClient job = TestKafka.startJob(conf, false, "egostream-console-test");
      // On the clip stride's grid, so that every clip (an aligned window) starts inside the simulated range.
      long start = System.currentTimeMillis() / 2_000 * 2_000;
      WearableSimulator simulator = new WearableSimulator(DEVICES, 3, start, DURATION_MS, 160, 120, 8, 4);
      Thread wearables = new Thread(() -> {
        try {
          simulator.run(true, (device, batch) -> TestKafka.send(producer, EgoStreamTopics.FRAMES, device,
              batch.toByteArray()));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "wearables");
      wearables.start();
      WebDriver browser = null;
      try (WebConsole console = WebConsole.start(new WebConsole.Settings(kafka.bootstrapServers(),
          InetAddress.getLoopbackAddress(), 0, Duration.ofSeconds(60)))) {
        browser = chromium();
        Browser b = new Browser(browser);
        live(b, console, kafka);
        alerts(b);
        search(b, start, start + DURATION_MS);
        ask(b);
        invalidAsk(b);
      } finally {
        if (browser != null) {
          browser.quit();
        }
        wearables.join(DURATION_MS + 10_000);
        job.cancel().get();
      }
    }
  }

  /** Tiles with decoded newest frames for every device; the overlay's patches per stage are the kept tokens. */
  private static void live(Browser b, WebConsole console, EmbeddedKafka kafka) throws Exception {
    long opened = System.currentTimeMillis();
    b.driver.get(console.uri().toString());
    Number loadMs = (Number) b.js("const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd;");
    b.waitFor(Duration.ofSeconds(30), "a tile with a decoded newest frame for every device", () -> (Boolean) b.js(
        "const imgs = [...document.querySelectorAll('.tile img.newest')];"
            + "return imgs.length === arguments[0] && imgs.every(i => i.complete && i.naturalWidth > 0);", DEVICES));
    long firstFramesMs = System.currentTimeMillis() - opened;
    b.waitFor(Duration.ofSeconds(60), "every tile's kept-token overlay", () -> (Boolean) b.js(
        "return [...document.querySelectorAll('.tile .overlay')].filter(o => o.dataset.clipStart).length "
            + "=== arguments[0];", DEVICES));
    System.out.printf(Locale.ROOT, "CONSOLE page load %d ms (navigation start to load event); live frames of %d "
        + "devices shown %d ms after opening%n", loadMs.longValue(), DEVICES, firstFramesMs);

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> overlays = (List<Map<String, Object>>) b.js(
        "return [...document.querySelectorAll('.tile')].map(t => { const o = t.querySelector('.overlay');"
            + "return {device: t.dataset.device, start: o.dataset.clipStart,"
            + " kept: [...o.querySelectorAll('.stage')].map(s => s.dataset.kept)}; });");
    List<ClipEmbedding> clips = new ArrayList<>();
    // A fresh consumer's group join can outlast a quiet period on a loaded machine: read again until all are in.
    for (int attempt = 0; attempt < 5 && !overlays.stream().allMatch(o -> shown(clips, o).isPresent()); attempt++) {
      clips.clear();
      for (ConsumerRecord<byte[], byte[]> r : TestKafka.readCommitted(kafka, EgoStreamTopics.EMBEDDINGS,
          Duration.ofSeconds(3))) {
        clips.add(ClipEmbedding.parseFrom(r.value()));
      }
    }
    for (Map<String, Object> overlay : overlays) {
      ClipEmbedding clip = shown(clips, overlay).orElseThrow(
          () -> new AssertionError("the overlay shows a clip that is not on ego.embeddings: " + overlay));
      List<String> expected = clip.getKeptTokensList().stream().map(k -> Integer.toString(k.getIndexCount()))
          .toList();
      assertEquals(expected, overlay.get("kept"), "highlighted patches per stage of " + overlay);
      assertEquals(4, expected.size(), "the shipped model prunes in three stages after the full one");
    }
    b.screenshot("live");
  }

  /** The clip an overlay shows. */
  private static Optional<ClipEmbedding> shown(List<ClipEmbedding> clips, Map<String, Object> overlay) {
    return clips.stream().filter(c -> c.getDeviceId().equals(overlay.get("device"))
        && Long.toString(c.getStartMs()).equals(overlay.get("start"))).findFirst();
  }

  /** A standing query from the form; its first alert arrives with decoded frames; then it is cancelled. */
  private static void alerts(Browser b) throws Exception {
    b.click("nav-alerts");
    b.type("alert-text", TEXT);
    b.type("alert-threshold", "-1");
    b.click("alert-go");
    b.waitFor(Duration.ofSeconds(60), "an alert card with decoded frames", () -> (Boolean) b.js(
        "const c = document.querySelector('#alert-feed .card.alert');"
            + "return !!c && [...c.querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0);"));
    b.screenshot("alerts");
    b.driver.findElement(By.cssSelector("#alert-queries .cancel")).click();
    b.waitFor(Duration.ofSeconds(60), "the cancel confirmed", () -> b.text("alert-message").endsWith(" cancelled"));
    assertEquals(0, b.driver.findElements(By.cssSelector("#alert-queries li")).size());
  }

  /** Three searches: cards with decoded frames, times inside the simulated range; round trips printed. */
  private static void search(Browser b, long from, long to) throws Exception {
    b.click("nav-search");
    b.type("search-text", TEXT);
    b.type("search-top-k", "5");
    List<Long> answers = new ArrayList<>();
    List<Long> roundTrips = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      b.click("search-go");
      b.waitFor(Duration.ofSeconds(70), "search results", () -> (Boolean) b.js(
          "return !!document.getElementById('search-results').dataset.roundTripMs"
              + " || document.getElementById('search-message').classList.contains('error');"));
      assertEquals("message", b.driver.findElement(By.id("search-message")).getAttribute("class"),
          b.text("search-message"));
      WebElement results = b.driver.findElement(By.id("search-results"));
      answers.add(Long.parseLong(results.getDomAttribute("data-answer-ms")));
      roundTrips.add(Long.parseLong(results.getDomAttribute("data-round-trip-ms")));
      List<WebElement> cards = b.driver.findElements(By.cssSelector("#search-results .card"));
      assertTrue(!cards.isEmpty() && cards.size() <= 5, cards.size() + " cards");
      for (WebElement card : cards) {
        long startMs = Long.parseLong(card.getDomAttribute("data-start-ms"));
        assertTrue(startMs >= from && startMs < to, "hit at " + startMs + " outside [" + from + ", " + to + ")");
      }
      assertTrue((Boolean) b.js("const imgs = [...document.querySelectorAll('#search-results img')];"
          + "return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);"), "undecoded frames");
    }
    System.out.printf(Locale.ROOT, "CONSOLE search round trip (query sent to cards rendered, %d searches): %s ms; "
        + "of which waiting for the answer: %s ms%n", roundTrips.size(), roundTrips, answers);
    b.screenshot("search");
  }

  /** Five clicks on the timelines and a narration: five scored choices, the chosen one highlighted. */
  private static void ask(Browser b) throws Exception {
    b.click("nav-ask");
    b.waitFor(Duration.ofSeconds(10), "a timeline per device", () -> b.driver.findElements(
        By.cssSelector("#ask-timelines .timeline")).size() == DEVICES);
    List<WebElement> timelines = b.driver.findElements(By.cssSelector("#ask-timelines .timeline"));
    for (int i = 0; i < 5; i++) {
      WebElement line = timelines.get(i % DEVICES);
      int width = line.getRect().getWidth();
      // From the left: 20 % to 60 % of the span, so that every clip's frames are in.
      new Actions(b.driver).moveToElement(line, (int) (width * (-0.3 + 0.08 * i)), 0).click().perform();
    }
    b.type("ask-narration", TEXT);
    b.click("ask-go");
    b.waitFor(Duration.ofSeconds(70), "the MCQ answer", () -> b.driver.findElements(
        By.cssSelector("#ask-result .choice")).size() == 5 || b.text("ask-message").startsWith("The job"));
    assertEquals(1, b.driver.findElements(By.cssSelector("#ask-result .choice.chosen")).size(), b.text("ask-message"));
    assertTrue(b.text("ask-message").startsWith("chose "), b.text("ask-message"));
    for (WebElement choice : b.driver.findElements(By.cssSelector("#ask-result .choice"))) {
      Float.parseFloat(choice.getDomAttribute("data-score")); // every choice scored
    }
    b.screenshot("ask");
  }

  /** An MCQ whose ranges are empty: the job answers ERROR and the page says why. */
  private static void invalidAsk(Browser b) throws Exception {
    b.click("ask-clear");
    for (int i = 0; i < 5; i++) {
      b.type("ask-choice-" + i, "wearable-00:" + (2_000 + i) + ":1000");
    }
    b.click("ask-go");
    b.waitFor(Duration.ofSeconds(70), "the ERROR answer", () -> b.text("ask-message").startsWith("The job"));
    assertEquals("message error", b.driver.findElement(By.id("ask-message")).getAttribute("class"));
    assertTrue(b.text("ask-message").startsWith("The job refused the query: invalid query: mcq: choice 0 range "
        + "[2000, 1000) is empty"), b.text("ask-message"));
    b.screenshot("ask-error");
  }

  private static WebDriver chromium() {
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless=new",
        "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost");
    return new ChromeDriver(service, options);
  }

  /** The few things the test does with the page. */
  private record Browser(WebDriver driver) {
    Object js(String script, Object... args) {
      return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    void click(String id) {
      driver.findElement(By.id(id)).click();
    }

    void type(String id, String text) {
      WebElement input = driver.findElement(By.id(id));
      input.clear();
      input.sendKeys(text);
    }

    String text(String id) {
      return driver.findElement(By.id(id)).getText();
    }

    void waitFor(Duration timeout, String what, java.util.function.Supplier<Boolean> condition) {
      new WebDriverWait(driver, timeout).withMessage(() -> what + " did not appear within " + timeout)
          .until(d -> condition.get());
    }

    void screenshot(String page) throws Exception {
      File shot = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
      Files.copy(shot.toPath(), SCREENSHOTS.resolve("console-" + page + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
