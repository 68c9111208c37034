package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.operators.records.Jpeg;
import io.egostream.proto.v1.FrameBatch;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimulateAndJobCommandTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine commandLine = EgoStream.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return commandLine.execute(args);
  }

  @Test
  void simulateWritesFrameBatchesAsFilesForKcat() throws Exception {
    assertEquals(0, run("simulate", "--write-files", dir.toString(), "--devices", "2", "--duration", "1s", "--fps",
        "4", "--frames-per-message", "2", "--size", "64x48"), err.toString());
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files = listing.sorted().toList();
    }
    assertEquals(4, files.size(), "2 devices × 4 frames / 2 a message");
    FrameBatch batch = FrameBatch.parseFrom(Files.readAllBytes(files.get(0)));
    assertEquals("wearable-00", batch.getDeviceId());
    assertEquals(2, batch.getFramesCount());
    assertEquals(64, Jpeg.decode(batch.getFrames(0).getJpeg().toByteArray()).width());
    assertTrue(batch.getFrames(1).getCaptureTimeMs() - batch.getFrames(0).getCaptureTimeMs() == 250);
  }

  @Test
  void simulateAndJobRefuseBadOptions() {
    assertEquals(2, run("simulate", "--devices", "2"));
    assertTrue(err.toString().contains("--bootstrap-servers or --write-files"), err.toString());
    assertEquals(2, run("simulate", "--write-files", dir.toString(), "--duration", "soon"));
    assertTrue(err.toString().contains("Invalid value soon for option '--duration'"), err.toString());
    assertEquals(2, run("job", "--bootstrap-servers", "localhost:1", "-D", "clip.lenght.ms=4000"));
    assertTrue(err.toString().contains("Unknown job option clip.lenght.ms"), err.toString());
  }

  @Test
  void durationsParseWithUnits() {
    assertEquals(Duration.ofSeconds(90), Durations.parse("90s", "--d"));
    assertEquals(Duration.ofSeconds(90), Durations.parse("90", "--d"));
    assertEquals(Duration.ofMinutes(2), Durations.parse("2m", "--d"));
    assertEquals(Duration.ofMillis(500), Durations.parse("500ms", "--d"));
    assertEquals(Duration.ofMinutes(90), Durations.parse("1.5h", "--d"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("0s", "--d"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("-1s", "--d"));
  }
}
