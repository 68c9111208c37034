package io.egostream.cli;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.simulate.KafkaBatchSink;
import io.egostream.simulate.VideoFrameSource;
import io.egostream.simulate.WearableSimulator;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code egostream simulate}: wearables streaming first-person scenes of the procedural world into Kafka. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Simulate wearables: each device films its own table scene (objects, a hand, a wobbling camera, narrated",
        "actions) and publishes FrameBatch records (JPEG frames, key = device id) to the frames topic in real time."
    })
final class SimulateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
      description = "Kafka brokers to publish to (one of this or --write-files).")
  String bootstrapServers;

  @Mixin KafkaClientOptions kafka;

  @Option(names = "--write-files", paramLabel = "DIR",
      description = "Instead of publishing, write each FrameBatch's protobuf bytes to DIR/<device>-<n>.bin, e.g. "
          + "to publish with kcat (docs/job.md).")
  Path writeFiles;

  @Option(names = "--devices", defaultValue = "4", paramLabel = "N",
      description = "Simulated wearables filming generated scenes (default: ${DEFAULT-VALUE}).")
  int devices;

  @Option(names = "--video", paramLabel = "FILE",
      description = "Instead of generated scenes, one wearable per video file (repeatable; any format FFmpeg "
          + "reads; looped when shorter than --duration; frames at most 256 px on their shorter side).")
  List<Path> videos = List.of();

  @Option(names = "--fps", defaultValue = "8", paramLabel = "F",
      description = "Frames a second per device (default: ${DEFAULT-VALUE}).")
  double fps;

  @Option(names = "--duration", defaultValue = "60s", paramLabel = "DURATION",
      description = "How long each device records, e.g. 90s or 2m (default: ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--frames-per-message", defaultValue = "4", paramLabel = "N",
      description = "Frames in each FrameBatch record (default: ${DEFAULT-VALUE}).")
  int framesPerMessage;

  @Option(names = "--size", defaultValue = "160x120", paramLabel = "WxH",
      description = "Frame size in pixels (default: ${DEFAULT-VALUE}).")
  String size;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
      description = "Seed of the scenes; device d films scene seed + d (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--topic", defaultValue = EgoStreamTopics.FRAMES, paramLabel = "TOPIC",
      description = "Frames topic (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(names = "--fast", description = "Send as fast as possible instead of in real time (capture times stay "
      + "those of a real-time recording that started when the command did).")
  boolean fast;

  @Override
  public Integer call() throws Exception {
    long durationMs = Durations.option(spec, duration, "--duration").toMillis();
    String[] wh = size.toLowerCase(Locale.ROOT).split("x");
    if (wh.length != 2) {
      throw new ParameterException(spec.commandLine(), "Invalid value " + size + " for option '--size': use WxH, "
          + "e.g. 160x120");
    }
    List<VideoFrameSource> sources = new ArrayList<>();
    try {
      for (Path video : videos) {
        sources.add(new VideoFrameSource(video, 256));
      }
      WearableSimulator simulator;
      try {
        simulator = videos.isEmpty()
            ? new WearableSimulator(devices, seed, System.currentTimeMillis(), durationMs, Integer.parseInt(wh[0]),
                Integer.parseInt(wh[1]), fps, framesPerMessage)
            : new WearableSimulator(List.copyOf(sources), "session-" + seed, System.currentTimeMillis(), durationMs,
                fps, framesPerMessage);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      return simulate(simulator, durationMs);
    } finally {
      sources.forEach(VideoFrameSource::close);
    }
  }

  private int simulate(WearableSimulator simulator, long durationMs) throws Exception {
    int devices = simulator.devices().size();
    if ((bootstrapServers == null) == (writeFiles == null)) {
      throw new ParameterException(spec.commandLine(), "Give one of --bootstrap-servers or --write-files");
    }
    PrintWriter out = spec.commandLine().getOut();
    for (WearableSimulator.Device d : simulator.devices()) {
      out.printf(Locale.ROOT, "%s films: %s%n", d.deviceId(), d.recording() == null
          ? videos.get(simulator.devices().indexOf(d)) : String.join(", ", d.recording().objectNames()));
    }
    out.flush();
    if (writeFiles != null) {
      Files.createDirectories(writeFiles);
      Map<String, Integer> counts = new HashMap<>();
      long frames = simulator.run(false, (device, batch) -> {
        int n = counts.merge(device, 1, Integer::sum);
        Files.write(writeFiles.resolve(String.format(Locale.ROOT, "%s-%05d.bin", device, n)), batch.toByteArray());
      });
      out.printf(Locale.ROOT, "Wrote %d frames of %d devices as FrameBatch files to %s%n", frames, devices,
          writeFiles);
      return 0;
    }
    long frames;
    try (KafkaBatchSink sink = new KafkaBatchSink(bootstrapServers, topic, kafka.clientProperties(spec))) {
      frames = simulator.run(!fast, sink);
    }
    out.printf(Locale.ROOT, "Sent %d frames of %d devices (%s each) to %s on %s%n", frames, devices,
        Duration.ofMillis(durationMs), topic, bootstrapServers);
    return 0;
  }
}
