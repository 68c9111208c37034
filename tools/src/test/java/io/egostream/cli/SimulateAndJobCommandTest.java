package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.operators.records.Jpeg;
import io.egostream.proto.v1.FrameBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateAndJobCommandTest {
  @TempDir Path dir;

  private final CommandRun command = new CommandRun();

  private int run(String... args) {
    return command.run(args);
  }

  @Test
  void simulateWritesFrameBatchesAsFilesForKcat() throws Exception {
    assertEquals(0, run("simulate", "--write-files", dir.toString(), "--devices", "2", "--duration", "1s", "--fps",
        "4", "--frames-per-message", "2", "--size", "64x48"), command.err());
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
    assertTrue(command.err().contains("--bootstrap-servers or --write-files"), command.err());
    assertEquals(2, run("simulate", "--write-files", dir.toString(), "--duration", "soon"));
    assertTrue(command.err().contains("Invalid value soon for option '--duration'"), command.err());
    assertEquals(2, run("job", "--bootstrap-servers", "localhost:1", "-D", "clip.lenght.ms=4000"));
    assertTrue(command.err().contains("Unknown job option clip.lenght.ms"), command.err());
    for (String inProcess : List.of("demo", "bench pipeline", "bench soak")) {
      List<String> args = new ArrayList<>(List.of(inProcess.split(" ")));
      args.addAll(List.of("-D", "moment.refine.candidatez=0"));
      CommandRun own = new CommandRun();
      assertEquals(2, own.run(args.toArray(String[]::new)), inProcess);
      assertTrue(own.err().contains("Unknown job option moment.refine.candidatez: did you mean "
          + "moment.refine.candidates"), inProcess + ": " + own.err());
    }
  }

  @Test
  void queryRefusesBadOptionsBeforeTouchingKafka() {
    assertEquals(2, run("query", "--bootstrap-servers", "localhost:1"));
    assertTrue(command.err().contains("Missing query kind"), command.err());
    assertEquals(2, run("query", "--bootstrap-servers", "localhost:1", "mcq", "--narration", "x", "--choice",
        "wearable-00:soon:later"));
    assertTrue(command.err().contains("use DEVICE:START_MS:END_MS"), command.err());
    assertEquals(2, run("query", "--bootstrap-servers", "localhost:1", "cancel"));
    assertTrue(command.err().contains("cancel needs --id"), command.err());
    assertEquals(2, run("query", "--bootstrap-servers", "localhost:1", "--id", "x", "-D", "clip.length.ms=1",
        "cancel"));
    assertTrue(command.err().contains("Unknown option -D clip.length.ms: query takes only Kafka client properties"),
        command.err());
    assertEquals(2, run("query", "--bootstrap-servers", "localhost:1", "--id", "x", "cancel", "-D",
        "kafka.properties.security.protocl=SSL"));
    assertTrue(command.err().contains("did you mean kafka.properties.security.protocol?"), command.err());
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
