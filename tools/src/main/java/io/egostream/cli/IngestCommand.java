package io.egostream.cli;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.simulate.FrameBatcher;
import io.egostream.simulate.KafkaBatchSink;
import io.egostream.video.StreamFrameReader;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code egostream ingest}: a real camera, stream or video file in, FrameBatch records of one device out. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Publish a real video source as a wearable: reads anything FFmpeg opens (a file, an HTTP or RTSP stream, a",
        "V4L2 camera), samples it to --fps, scales it to --size and publishes FrameBatch records (JPEG frames, key =",
        "--device) to the frames topic. Capture times follow the stream's own clock, anchored to the wall clock at",
        "its first frame. Stops at the end of the stream or on Ctrl-C, and prints frames, batches and seconds."
    })
final class IngestCommand implements Callable<Integer> {

  private static final long ROUNDING_MICROS = 1_000;

  @Spec CommandSpec spec;

  @Mixin KafkaClientOptions kafka;

  @Option(names = "--source", required = true, paramLabel = "URL",
      description = "What to read: a file, a URL (http://, rtsp://, udp://, ...) or a device such as /dev/video0.")
  String source;

  @Option(names = "--device", required = true, paramLabel = "ID",
      description = "Device id of this wearable: the record key and device_id of every batch.")
  String device;

  @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT",
      description = "Kafka brokers to publish to.")
  String bootstrapServers;

  @Option(names = "--fps", defaultValue = "8", paramLabel = "F",
      description = "Frames a second to publish, at most the source's rate (default: ${DEFAULT-VALUE}).")
  double fps;

  @Option(names = "--size", defaultValue = "160x120", paramLabel = "WxH",
      description = "Published frame size in pixels; the picture is scaled to it, aspect ratio not kept "
          + "(default: ${DEFAULT-VALUE}).")
  String size;

  @Option(names = "--fast",
      description = "Publish as fast as the source decodes instead of at its own pace (for files; capture times "
          + "still follow the file's clock from the moment the command started).")
  boolean fast;

  @Option(names = "--session", paramLabel = "ID",
      description = "Session id of the recording (default: DEVICE-<start time in epoch ms>).")
  String session;

  @Option(names = "--input-format", paramLabel = "NAME",
      description = "FFmpeg input format when it cannot be guessed from the source, e.g. v4l2 for a camera "
          + "(ffmpeg's -f).")
  String inputFormat;

  @Option(names = "--frames-per-message", defaultValue = "4", paramLabel = "N",
      description = "Frames in each FrameBatch record (default: ${DEFAULT-VALUE}).")
  int framesPerMessage;

  @Option(names = "--topic", defaultValue = EgoStreamTopics.FRAMES, paramLabel = "TOPIC",
      description = "Frames topic (default: ${DEFAULT-VALUE}).")
  String topic;

  /** Set by Ctrl-C or SIGTERM: the loop publishes what it holds, the command prints its summary and returns. */
  private volatile boolean stopRequested;

  @Override
  public Integer call() throws Exception {
    int[] wh = frameSize();
    checkOptions();
    long startMs = System.currentTimeMillis();
    String sessionId = session != null ? session : device + "-" + startMs;
    PrintWriter out = spec.commandLine().getOut();
    Runnable restoreSignals = StopSignals.handle("ingest", () -> stopRequested = true);
    try (StreamFrameReader reader = StreamFrameReader.open(source, inputFormat, wh[0], wh[1]);
        KafkaBatchSink sink = new KafkaBatchSink(bootstrapServers, topic, kafka.clientProperties(spec))) {
      out.printf(Locale.ROOT, "Ingesting %s (%s) as %s, session %s: %dx%d at %s fps%s to %s on %s%n", source,
          reader.describe(), device, sessionId, wh[0], wh[1], fps, fast ? ", as fast as it decodes" : "", topic,
          bootstrapServers);
      out.flush();
      Summary summary = ingest(reader, new FrameBatcher(device, sessionId), sink);
      out.printf(Locale.ROOT, "Ingested %d frames in %d batches: %.1f s of stream in %.1f s (%s)%n", summary.frames,
          summary.batches, summary.streamSeconds, (System.currentTimeMillis() - startMs) / 1000.0,
          stopRequested ? "stopped" : "end of stream");
      out.flush();
    } finally {
      restoreSignals.run();
    }
    return 0;
  }

  /** Frames published, batches sent, and the stream time from the first to the last frame published. */
  private static final class Summary {
    long frames;
    long batches;
    double streamSeconds;
  }

  private Summary ingest(StreamFrameReader reader, FrameBatcher batcher, KafkaBatchSink sink) throws Exception {
    Summary summary = new Summary();
    long periodMicros = Math.round(1_000_000 / fps);
    long firstPts = 0;
    long anchorMs = 0;
    long anchorNanos = 0;
    long duePts = 0;
    long lastCaptureMs = Long.MIN_VALUE;
    boolean started = false;
    while (!stopRequested && reader.next()) {
      long pts = reader.ptsMicros();
      if (!started) {
        started = true;
        firstPts = pts;
        duePts = pts;
        anchorMs = System.currentTimeMillis();
        anchorNanos = System.nanoTime();
      }
      // The first picture at or after each tick of an --fps grid on the stream's clock (1 ms early still counts:
      // time bases round), so a faster source is thinned evenly; after a gap the grid restarts at the picture.
      if (pts + ROUNDING_MICROS < duePts) {
        continue; // sampled out: never converted nor encoded
      }
      duePts = pts >= duePts + periodMicros ? pts + periodMicros : duePts + periodMicros;
      long captureMs = anchorMs + Math.floorDiv(pts - firstPts, 1000);
      if (captureMs <= lastCaptureMs) {
        continue; // a repeated or backward timestamp cannot be placed on the device's time line
      }
      lastCaptureMs = captureMs;
      if (!fast) {
        long waitNanos = anchorNanos + (pts - firstPts) * 1000 - System.nanoTime();
        if (waitNanos > 0) {
          TimeUnit.NANOSECONDS.sleep(waitNanos);
        }
      }
      batcher.add(captureMs, summary.frames, reader.rgb());
      summary.frames++;
      summary.streamSeconds = (pts - firstPts) / 1e6;
      if (batcher.size() == framesPerMessage) {
        sink.send(device, batcher.flush());
        summary.batches++;
      }
    }
    if (batcher.size() > 0) {
      sink.send(device, batcher.flush());
      summary.batches++;
    }
    return summary;
  }

  private int[] frameSize() {
    String[] wh = size.toLowerCase(Locale.ROOT).split("x");
    try {
      int width = Integer.parseInt(wh[0]);
      int height = wh.length == 2 ? Integer.parseInt(wh[1]) : -1;
      if (width >= 16 && height >= 16 && width <= 4096 && height <= 4096) {
        return new int[] {width, height};
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw usage("Invalid value " + size + " for option '--size': use WxH with sides of 16 to 4096 pixels, e.g. "
        + "160x120");
  }

  private void checkOptions() {
    if (!Double.isFinite(fps) || fps <= 0 || fps > 1000) {
      throw usage("Invalid value " + fps + " for option '--fps': must be a positive rate up to 1000, e.g. 8");
    }
    if (framesPerMessage < 1) {
      throw usage("Invalid value " + framesPerMessage + " for option '--frames-per-message': must be at least 1");
    }
    if (device.isBlank()) {
      throw usage("Invalid value '" + device + "' for option '--device': must not be blank, e.g. glasses-0042");
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
