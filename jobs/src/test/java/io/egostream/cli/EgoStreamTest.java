package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Exit codes and error output of the command line; nothing here loads a model. */
class EgoStreamTest {

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
  void helpListsTheCommandsAndDefaults() {
    assertEquals(0, run("--help"));
    assertTrue(out.toString().contains("embed") && out.toString().contains("init-model"), out.toString());
    assertEquals(0, run("embed", "--help"));
    assertTrue(out.toString().contains("(default: 4)"), out.toString());
    assertEquals(0, run("--version"));
    assertTrue(out.toString().contains("egostream"), out.toString());
  }

  @Test
  void keepsDjlOffline() {
    EgoStream.commandLine();
    assertEquals("true", System.getProperty("ai.djl.offline"));
    assertEquals("true", System.getProperty("OPT_OUT_TRACKING"));
  }

  @Test
  void usageErrorsExitWith2() {
    assertEquals(2, run());
    assertEquals(2, run("no-such-command"));
    assertEquals(2, run("embed", "--video", "x.mp4"));
    assertTrue(err.toString().contains("--model"), err.toString());
    assertEquals(2, run("embed", "--model", "m", "--video", "v.mp4", "--out", "o.jsonl", "--clip-seconds", "0"));
    assertTrue(err.toString().contains("clip seconds"), err.toString());
    assertEquals(2, run("init-model", "--preset", "tiny"));
  }

  @Test
  void runtimeFailuresExitWith1OnOneLineWithoutStackTrace() {
    Path missing = dir.resolve("missing.mp4");
    int exit = run("embed", "--model", dir.toString(), "--video", missing.toString(), "--out",
        dir.resolve("o.jsonl").toString());
    assertEquals(1, exit);
    String[] lines = err.toString().strip().split("\\R");
    assertTrue(lines[0].startsWith("egostream embed: error: Video file not found: "), err.toString());
    assertTrue(lines[0].contains("missing.mp4"), err.toString());
    assertFalse(err.toString().contains("\tat "), "no stack trace unless asked: " + err);
  }

  @Test
  void verbosePrintsTheStackTrace() {
    int exit = run("embed", "-v", "--model", dir.toString(), "--video", dir.resolve("missing.mp4").toString(),
        "--out", dir.resolve("o.jsonl").toString());
    assertEquals(1, exit);
    assertTrue(err.toString().contains("\tat "), err.toString());
  }

  @Test
  void errorLinesIncludeCauses() {
    Exception e = new IllegalStateException("Cannot load model m", new java.io.IOException("config.json:\nbad"));
    assertEquals("Cannot load model m: config.json: bad", CliErrors.oneLine(e));
    assertEquals("NullPointerException", CliErrors.oneLine(new NullPointerException()));
  }
}
