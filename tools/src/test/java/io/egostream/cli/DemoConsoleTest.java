package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo as a newcomer runs it, in a JVM of its own with the shipped logging configuration: its console holds
 * EgoStream's own lines (the model, the wearables, the answers, the summary, where the full log is) and no warning
 * or error of a library; those go to the log file it names.
 */
class DemoConsoleTest {
  /** What a log line, a JVM warning or SLF4J's complaints look like; none of EgoStream's demo lines does. */
  private static final Pattern NOT_OURS = Pattern.compile("\\b(WARN|WARNING|ERROR|SEVERE)\\b|^SLF4J|Exception");

  @Test
  void aShortDemoPrintsOnlyItsOwnLinesAndKeepsTheLibrariesLogsInTheFileItNames(@TempDir Path tmp) throws Exception {
    Path console = tmp.resolve("console.txt");
    Process demo = new ProcessBuilder(command(tmp, "demo", "--devices", "2", "--duration", "8s"))
        .redirectErrorStream(true).redirectOutput(console.toFile()).start();
    boolean exited = demo.waitFor(4, TimeUnit.MINUTES);
    if (!exited) {
      demo.destroyForcibly().waitFor();
    }
    List<String> lines = Files.readAllLines(console, StandardCharsets.UTF_8);
    String all = String.join("\n", lines);
    assertTrue(exited, "the demo did not end within 4 minutes:\n" + all);
    assertEquals(0, demo.exitValue(), all);

    List<String> notOurs = lines.stream().filter(line -> NOT_OURS.matcher(line).find()).toList();
    assertEquals(List.of(), notOurs, "lines that are not EgoStream's own; the whole console:\n" + all);
    assertTrue(lines.get(0).startsWith("EgoStream demo: Kafka on ") && lines.get(0).endsWith(
        ", the job on a local Flink cluster, running the shipped model tiny-synthetic"), all);
    assertTrue(lines.get(lines.size() - 1).startsWith("SUMMARY {"), all);

    String named = lines.stream().filter(line -> line.startsWith("full log: ")).findFirst().orElseThrow(
        () -> new AssertionError("the demo does not say where its log is:\n" + all)).substring("full log: ".length());
    Path log = Path.of(named);
    assertTrue(log.startsWith(tmp), named + " is not in the system's temporary folder " + tmp);
    String logged = Files.readString(log, StandardCharsets.UTF_8);
    // Flink's and Kafka's own lines are kept, not dropped.
    assertTrue(logged.contains("INFO  [") && logged.contains("org.apache.flink.") && logged.contains(
        "org.apache.kafka."), "the log file lacks Flink's and Kafka's lines:\n" + logged.lines().limit(20).toList());
  }

  /** {@code egostream ARGS} in a new JVM: this JVM's class path, Flink's module flags, temp folder {@code tmp}. */
  private static List<String> command(Path tmp, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx2g");
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens")) {
        command.add(arg);
      }
    }
    for (String property : List.of("ai.djl.offline", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR")) {
      if (System.getProperty(property) != null) {
        command.add("-D" + property + "=" + System.getProperty(property));
      }
    }
    command.add("-Djava.io.tmpdir=" + tmp);
    // The shipped logging configuration, not the log4j2-test.properties of Flink's test jars on the test class path.
    command.add("-Dlog4j2.configurationFile=" + DemoConsoleTest.class.getResource("/log4j2.xml"));
    command.add("-cp");
    command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add(EgoStream.class.getName());
    command.addAll(List.of(args));
    return command;
  }
}
