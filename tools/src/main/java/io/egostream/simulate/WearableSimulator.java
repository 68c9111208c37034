package io.egostream.simulate;

import com.google.protobuf.ByteString;
import io.egostream.model.RgbFrame;
import io.egostream.operators.records.Jpeg;
import io.egostream.proto.v1.FrameBatch;
import io.egostream.world.Recording;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Simulated wearables: each device plays its own recording of the procedural world (or a video file), captured at a
 * fixed frame rate and published a few frames a message, as a real wearable would. Frames of all devices come out
 * interleaved in capture-time order; with {@code realTime} the simulator also waits for the wall clock to reach each
 * capture time. {@link #capture()} renders and encodes every frame ahead, so that sending is all that is left.
 */
public final class WearableSimulator {

  /** What a device sees at a time (ms from the start of its recording). */
  @FunctionalInterface
  public interface FrameSource {
    RgbFrame frame(long ms) throws java.io.IOException;
  }

  /**
   * One simulated device.
   *
   * @param deviceId the Kafka key and {@code device_id}
   * @param sessionId its recording session
   * @param recording the procedural recording it films, with its narrated actions; null for a video file
   * @param source its frames, in recording time (ms from its start)
   * @param startEpochMs the capture time of recording time 0
   */
  public record Device(String deviceId, String sessionId, Recording recording, FrameSource source,
      long startEpochMs) {
    /** Capture time (epoch ms) of recording time {@code ms}. */
    public long epochMs(long ms) {
      return startEpochMs + ms;
    }
  }

  /** Where batches go: a Kafka producer, or a test's list. */
  @FunctionalInterface
  public interface BatchSink {
    void send(String deviceId, FrameBatch batch) throws Exception;
  }

  /** A frame as a wearable sends it. */
  private record Encoded(int width, int height, ByteString jpeg) {}

  private final List<Device> devices = new ArrayList<>();
  private final double fps;
  private final int framesPerBatch;
  private final long durationMs;
  /** Every device's frames by frame number, once {@link #capture()}d; null until then. */
  private List<Encoded[]> captured;

  /**
   * @param devices how many wearables
   * @param seed seed of their recordings (device d plays recording {@code seed + d})
   * @param startEpochMs capture time of the first frame of every device
   * @param durationMs how long each device records
   */
  public WearableSimulator(int devices, long seed, long startEpochMs, long durationMs, int width, int height,
      double fps, int framesPerBatch) {
    if (devices < 1 || fps <= 0 || framesPerBatch < 1 || width < 16 || height < 16 || durationMs <= 0) {
      throw new IllegalArgumentException("Invalid simulation: " + devices + " devices, " + fps + " fps, "
          + framesPerBatch + " frames a message, " + width + "x" + height + " px, " + durationMs + " ms (need at least "
          + "1 device, a positive rate and duration, 1 frame a message and 16 px a side)");
    }
    int actions = (int) (durationMs / 3_000) + 2; // actions average ~3.75 s with their pause: enough to fill it
    for (int d = 0; d < devices; d++) {
      String id = deviceId(d);
      Recording recording = Recording.generate(seed + d, 4, actions);
      this.devices.add(new Device(id, id + "-session-" + seed, recording, ms -> recording.frame(ms, width, height),
          startEpochMs));
    }
    this.fps = fps;
    this.framesPerBatch = framesPerBatch;
    this.durationMs = durationMs;
  }

  /** Devices that film the given sources (e.g. video files), one each. */
  public WearableSimulator(List<FrameSource> sources, String session, long startEpochMs, long durationMs, double fps,
      int framesPerBatch) {
    if (sources.isEmpty() || fps <= 0 || framesPerBatch < 1 || durationMs <= 0) {
      throw new IllegalArgumentException("Invalid simulation: " + sources.size() + " sources, " + fps + " fps, "
          + framesPerBatch + " frames a message, " + durationMs + " ms");
    }
    for (int d = 0; d < sources.size(); d++) {
      String id = deviceId(d);
      this.devices.add(new Device(id, id + "-" + session, null, sources.get(d), startEpochMs));
    }
    this.fps = fps;
    this.framesPerBatch = framesPerBatch;
    this.durationMs = durationMs;
  }

  private WearableSimulator(List<Device> devices, double fps, int framesPerBatch, long durationMs,
      List<Encoded[]> captured) {
    this.devices.addAll(devices);
    this.fps = fps;
    this.framesPerBatch = framesPerBatch;
    this.durationMs = durationMs;
    this.captured = captured;
  }

  /** The same devices and frames (those captured ahead included), recording from {@code startEpochMs}. */
  public WearableSimulator startingAt(long startEpochMs) {
    List<Device> moved = devices.stream()
        .map(d -> new Device(d.deviceId(), d.sessionId(), d.recording(), d.source(), startEpochMs))
        .toList();
    return new WearableSimulator(moved, fps, framesPerBatch, durationMs, captured);
  }

  /**
   * Renders and JPEG-encodes every frame of every device now (devices in parallel, each in order, as a video file
   * must be read), so that {@link #run} only sends them: simulated wearables then cost this machine what real ones
   * would, since a wearable encodes its own frames. Every JPEG stays in memory (about 3 KB a 160×120 frame).
   *
   * @return bytes of JPEG held
   */
  public long capture() {
    int count = Math.toIntExact(framesPerDevice());
    captured = IntStream.range(0, devices.size()).parallel()
        .mapToObj(d -> {
          Encoded[] frames = new Encoded[count];
          for (int i = 0; i < count; i++) {
            try {
              RgbFrame frame = devices.get(d).source().frame(frameTime(i));
              frames[i] = new Encoded(frame.width(), frame.height(), ByteString.copyFrom(Jpeg.encode(frame)));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
          return frames;
        })
        .toList();
    return captured.stream().flatMap(Arrays::stream).mapToLong(e -> e.jpeg().size()).sum();
  }

  private long framesPerDevice() {
    return (long) Math.floor(durationMs * fps / 1000.0);
  }

  private static String deviceId(int d) {
    return String.format(java.util.Locale.ROOT, "wearable-%02d", d);
  }

  public List<Device> devices() {
    return List.copyOf(devices);
  }

  /** Capture time, in recording ms, of frame number {@code index}. */
  long frameTime(long index) {
    return Math.round(index * 1000.0 / fps);
  }

  /**
   * Sends every frame of every device, {@code framesPerBatch} at a time, rendering and encoding each first unless
   * {@link #capture()} did.
   *
   * @return frames sent
   */
  public long run(boolean realTime, BatchSink sink) throws Exception {
    long frames = 0;
    long framesPerDevice = framesPerDevice();
    long wallStart = System.currentTimeMillis();
    for (long first = 0; first < framesPerDevice; first += framesPerBatch) {
      long last = Math.min(framesPerDevice, first + framesPerBatch);
      if (realTime) {
        long due = wallStart + frameTime(last - 1);
        long wait = due - System.currentTimeMillis();
        if (wait > 0) {
          Thread.sleep(wait);
        }
      }
      for (int d = 0; d < devices.size(); d++) {
        Device device = devices.get(d);
        FrameBatcher batch = new FrameBatcher(device.deviceId(), device.sessionId());
        for (long i = first; i < last; i++) {
          long t = frameTime(i);
          if (captured == null) {
            batch.add(device.epochMs(t), i, device.source().frame(t));
          } else {
            Encoded frame = captured.get(d)[(int) i];
            batch.addEncoded(device.epochMs(t), i, frame.width(), frame.height(), frame.jpeg());
          }
        }
        sink.send(device.deviceId(), batch.flush());
        frames += last - first;
      }
    }
    return frames;
  }
}
