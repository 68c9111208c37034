package io.egostream.cli;

import io.egostream.data.GenDataSettings;
import io.egostream.data.McqType;
import io.egostream.data.Split;
import io.egostream.data.SyntheticDatasetWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code egostream gen-data}: a synthetic egocentric dataset in the real EgoClip/EgoMCQ formats.
 *
 * <p>A held-out test split of at least 1000 EgoMCQ questions (about 1200, no query repeated):
 * {@code egostream gen-data --out data/synth --recordings 500} (50 test recordings of 12 actions, each asked about
 * once per type).
 */
@Command(
    name = "gen-data",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Render recordings of the procedural egocentric world to videos and write EgoClip clip metadata and EgoMCQ "
            + "questions for them.",
        "Writes DIR/videos/<video_uid>.mp4, DIR/egoclip_{train,val,test}.csv, DIR/egomcq_{val,test}.json, "
            + "DIR/nlq_{val,test}.json (Ego4D NLQ layout) and DIR/gen-data.json (settings and counts). The same "
            + "options give the same files.",
        "For a test split of >= 1000 questions: gen-data --out DIR --recordings 500"
    })
final class GenDataCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write the dataset into.")
  Path out;

  @Option(names = "--recordings", defaultValue = "200", paramLabel = "N",
      description = "Recordings (videos) over all splits (default: ${DEFAULT-VALUE}).")
  int recordings;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
      description = "Seed of scenes, actions, splits and questions (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--split-fractions", defaultValue = "0.8,0.1,0.1", split = ",", paramLabel = "TRAIN,VAL,TEST",
      description = "Shares of the recordings per split, adding up to 1 (default: ${DEFAULT-VALUE}).")
  List<Double> splitFractions;

  @Option(names = "--questions-per-split", defaultValue = "0", paramLabel = "N",
      description = {
          "EgoMCQ questions in each of val and test (default: ${DEFAULT-VALUE} = one inter-video and one "
              + "intra-video question per action where possible).",
          "More than that repeats queries with new distractors; fewer takes a random subset."
      })
  int questionsPerSplit;

  @Option(names = "--size", defaultValue = "160x120", paramLabel = "WxH",
      description = "Video frame size, even numbers (default: ${DEFAULT-VALUE}).")
  String size;

  @Option(names = "--fps", defaultValue = "8", paramLabel = "N",
      description = "Video frame rate (default: ${DEFAULT-VALUE}).")
  int fps;

  @Option(names = "--objects", defaultValue = "4", paramLabel = "N",
      description = "Objects on each recording's table, 2 to 8 (default: ${DEFAULT-VALUE}).")
  int objects;

  @Option(names = "--actions", defaultValue = "12", paramLabel = "N",
      description = "Narrated actions per recording, about 4 s each (default: ${DEFAULT-VALUE}).")
  int actions;

  @Override
  public Integer call() throws IOException {
    GenDataSettings settings = settings();
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw usage("Invalid value " + out + " for option '--out': it is a file; give a folder");
    }
    PrintWriter err = spec.commandLine().getErr();
    long start = System.nanoTime();
    boolean interactive = System.console() != null;
    long[] lastPrint = {start};
    SyntheticDatasetWriter.Summary summary = SyntheticDatasetWriter.write(settings, out, (done, total) -> {
      long now = System.nanoTime();
      // On a terminal every video; in a log at most every 5 s (and the last one).
      if (interactive || done == total || now - lastPrint[0] > 5_000_000_000L) {
        lastPrint[0] = now;
        double seconds = (now - start) / 1e9;
        String left = done < total ? ", about " + Durations.format(seconds / done * (total - done)) + " left" : "";
        String line = String.format(Locale.ROOT, "gen-data: rendered %d/%d videos (%.0f%%)%s", done, total,
            100.0 * done / total, left);
        err.print(interactive ? "\r" + line + "\033[K" + (done == total ? "\n" : "") : line + "\n");
        err.flush();
      }
    });
    PrintWriter stdout = spec.commandLine().getOut();
    stdout.printf(Locale.ROOT, "Wrote %d videos (%dx%d, %d fps, mpeg4) and their metadata to %s in %s:%n",
        settings.recordings(), settings.width(), settings.height(), settings.fps(), out,
        Durations.format((System.nanoTime() - start) / 1e9));
    for (Split split : Split.values()) {
      Map<McqType, Integer> q = summary.questions().get(split);
      stdout.printf(Locale.ROOT, "  %-5s %4d recordings, %6d clips%s%n", split.fileKey(),
          summary.recordings().get(split), summary.clips().get(split), q == null ? ""
              : String.format(Locale.ROOT, ", %d questions (%d inter-video, %d intra-video), %d NLQ queries",
                  q.values().stream().mapToInt(Integer::intValue).sum(), q.get(McqType.INTER_VIDEO),
                  q.get(McqType.INTRA_VIDEO), summary.nlqQueries().get(split)));
      if (q != null && q.get(McqType.INTER_VIDEO) == 0 && summary.recordings().get(split) > 0) {
        err.println("gen-data: note: the " + split.fileKey() + " split has " + summary.recordings().get(split)
            + " recording(s); inter-video questions need at least 5 (raise --recordings or its split fraction)");
      }
    }
    return 0;
  }

  private GenDataSettings settings() {
    int[] wh = parseSize();
    try {
      return new GenDataSettings(recordings, seed, new ArrayList<>(splitFractions), questionsPerSplit, objects,
          actions, wh[0], wh[1], fps);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
  }

  private int[] parseSize() {
    String[] parts = size.toLowerCase(Locale.ROOT).split("x");
    try {
      if (parts.length == 2) {
        return new int[] {Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip())};
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw usage("Invalid value " + size + " for option '--size': use WIDTHxHEIGHT, e.g. 160x120");
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
