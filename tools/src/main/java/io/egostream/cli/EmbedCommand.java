package io.egostream.cli;

import ai.djl.Device;
import io.egostream.embed.BatchedClipEmbedder;
import io.egostream.embed.JsonlEmbeddingWriter;
import io.egostream.embed.ReadAhead;
import io.egostream.model.Devices;
import io.egostream.model.EngineThreads;
import io.egostream.model.ShippedModel;
import io.egostream.model.SvittEgo;
import io.egostream.video.ClipSampling;
import io.egostream.video.SampledClip;
import io.egostream.video.VideoClipReader;
import io.egostream.video.VideoInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code egostream embed}: a video in, one clip embedding per JSON line out. */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Cut a video into overlapping clips and embed each with a SViTT-Ego model.",
        "Writes one JSON line per clip: {\"start\": s, \"end\": s, \"embedding\": [...], "
            + "\"kept_tokens_per_stage\": [...]} (times in seconds)."
    })
final class EmbedCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", paramLabel = "DIR",
      description = "Model folder (config.json, model.safetensors, vocab.txt; default: the trained model shipped in "
          + "the jar).")
  Path modelDir;

  @Option(names = "--video", required = true, paramLabel = "FILE", description = "Video file; any format FFmpeg reads.")
  Path video;

  @Option(names = "--out", required = true, paramLabel = "FILE",
      description = "Output JSON Lines file; written as FILE.partial and renamed when complete.")
  Path out;

  @Option(names = "--frames-per-clip", paramLabel = "T",
      description = "Frames sampled uniformly in each clip; must match the model (default: the model's).")
  Integer framesPerClip;

  @Option(names = "--clip-seconds", defaultValue = "4", paramLabel = "SECONDS",
      description = "Length of each clip (default: ${DEFAULT-VALUE}).")
  double clipSeconds;

  @Option(names = "--stride-seconds", defaultValue = "2", paramLabel = "SECONDS",
      description = "Time between clip starts (default: ${DEFAULT-VALUE}).")
  double strideSeconds;

  @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N",
      description = "Clips per model call (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
      description = "cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--model-threads", paramLabel = "N",
      description = {
          "Threads for the model's operations (libtorch intra-op threads; default: one less than the processors, "
              + "at least 1).",
          "Decoding runs on a thread of its own beside them; on 2 cores, 2 model threads made embed several times "
              + "slower (docs/benchmarks.md)."
      })
  Integer modelThreads;

  @Option(names = "--max-short-side", defaultValue = "256", paramLabel = "PIXELS",
      description = {
          "Scale frames down while decoding so their shorter side is at most PIXELS; 0 keeps the coded size "
              + "(default: ${DEFAULT-VALUE}).",
          "The model resizes to its own input size anyway; a full 1080p frame costs 6 MB of memory."
      })
  int maxShortSide;

  @Override
  public Integer call() throws IOException {
    // Options are checked before any file is opened; the frame count is only known once the model is loaded.
    sampling(framesPerClip != null ? framesPerClip : 1);
    if (batchSize < 1) {
      throw usage("Invalid value " + batchSize + " for option '--batch-size': must be at least 1");
    }
    if (maxShortSide < 0) {
      throw usage("Invalid value " + maxShortSide + " for option '--max-short-side': must be >= 0 (0 = no scaling)");
    }
    if (modelThreads != null && modelThreads < 1) {
      throw usage("Invalid value " + modelThreads + " for option '--model-threads': must be at least 1");
    }
    try (VideoClipReader reader = VideoClipReader.open(video, maxShortSide)) {
      Device selected = selectDevice();
      try (SvittEgo model = SvittEgo.load(modelDir != null ? modelDir : ShippedModel.folder(), selected)) {
        // Process-wide, set once the engine is loaded: this command is the only user of the engine in its process.
        EngineThreads.set(modelThreads != null ? modelThreads : EngineThreads.defaultCount());
        int modelFrames = model.config().frames();
        if (framesPerClip != null && modelFrames != framesPerClip) {
          throw usage("Invalid value " + framesPerClip + " for option '--frames-per-clip': the model "
              + model.modelId() + " was built for " + modelFrames + " frames per clip (T is fixed by its 3D relative "
              + "positions); pass --frames-per-clip " + modelFrames + ", leave it out, or use a model made for "
              + framesPerClip + " frames (init-model --frames " + framesPerClip + ")");
        }
        embed(reader, sampling(modelFrames), model);
      }
    }
    return 0;
  }

  private void embed(VideoClipReader reader, ClipSampling sampling, SvittEgo model) throws IOException {
    VideoInfo info = reader.info();
    PrintWriter err = spec.commandLine().getErr();
    long planned = sampling.windowCount(info.durationSeconds());
    Path partial = out.resolveSibling(out.getFileName() + ".partial");
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    ProgressLine progress = new ProgressLine(err, "embedded", "clips", System.console() != null);
    BatchedClipEmbedder embedder = new BatchedClipEmbedder(model::embedClips, batchSize);
    JsonlEmbeddingWriter writer = new JsonlEmbeddingWriter(Files.newBufferedWriter(partial, StandardCharsets.UTF_8));
    long clips = -1;
    // Decoding runs on its own thread, two batches ahead of the model; closed before the reader is.
    try (writer; ReadAhead<SampledClip> decoded = new ReadAhead<>(reader.clips(sampling), 2 * batchSize, "decode")) {
      clips = embedder.run(decoded, writer, done -> {
        writer.flush(); // a failure later keeps the finished batches in the .partial file
        progress.update(done, planned);
      });
    } finally {
      progress.close();
      if (clips < 0 && writer.lines() == 0) {
        Files.deleteIfExists(partial);
      } else if (clips < 0) {
        err.println(spec.qualifiedName() + ": the " + writer.lines() + " clip(s) embedded before the failure are in "
            + partial);
      }
    }
    Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    double seconds = progress.elapsedSeconds();
    spec.commandLine().getOut().printf(Locale.ROOT,
        "Embedded %d clips of %s (%s, %dx%d %s) with model %s on %s in %s (%.2f clips/s) -> %s%n",
        clips, video, Durations.format(info.durationSeconds()), info.width(), info.height(), info.codec(),
        model.modelId(), device, Durations.format(seconds), seconds > 0 ? clips / seconds : 0.0, out);
  }

  private ClipSampling sampling(int frames) {
    try {
      return new ClipSampling(clipSeconds, strideSeconds, frames);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage() + " (options --clip-seconds, --stride-seconds, --frames-per-clip)");
    }
  }

  private Device selectDevice() {
    try {
      return Devices.select(device);
    } catch (IllegalArgumentException e) {
      throw usage("Option '--device': " + e.getMessage());
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
