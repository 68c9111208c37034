package io.egostream.cli;

import io.egostream.model.ModelBenchmark;
import io.egostream.model.SvittConfig;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code egostream bench memory}: shows that native memory does not grow with the number of model calls. */
@Command(
    name = "memory",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Embed the same clip and text many times on one model and print, every so often, the process's resident",
        "memory and the native arrays the model holds. Flat lines mean every call frees what it allocates."
    })
final class BenchMemoryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--preset", defaultValue = "tiny", paramLabel = "NAME",
      description = "Architecture preset: tiny or base (default: ${DEFAULT-VALUE}).")
  String preset;

  @Option(names = "--calls", defaultValue = "10000", paramLabel = "N",
      description = "Calls to make; each embeds one clip and one text (default: ${DEFAULT-VALUE}).")
  int calls;

  @Option(names = "--every", defaultValue = "1000", paramLabel = "N",
      description = "Print a sample every N calls (default: ${DEFAULT-VALUE}).")
  int every;

  @Override
  public Integer call() {
    if (calls < 1 || every < 1) {
      throw new ParameterException(spec.commandLine(), "Invalid --calls " + calls + " or --every " + every
          + ": both must be at least 1");
    }
    SvittConfig config;
    try {
      config = SvittConfig.preset(preset);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "%8s %14s %12s%n", "calls", "resident MiB", "live arrays");
    List<ModelBenchmark.MemorySample> samples = ModelBenchmark.memoryOverCalls(config, calls, every, s -> {
      out.printf(Locale.ROOT, "%8d %14.1f %12d%n", s.calls(), s.residentBytes() / 1048576.0, s.liveArrays());
      out.flush();
    });
    // The first samples include warm-up (allocator arenas, kernel caches); growth is judged from the second on.
    ModelBenchmark.MemorySample start = samples.get(Math.min(1, samples.size() - 1));
    ModelBenchmark.MemorySample end = samples.get(samples.size() - 1);
    out.printf(Locale.ROOT, "from call %d to %d: resident %+.1f MiB, live arrays %+d%n", start.calls(), end.calls(),
        (end.residentBytes() - start.residentBytes()) / 1048576.0, end.liveArrays() - start.liveArrays());
    return 0;
  }
}
