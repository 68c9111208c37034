package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.cli.CommandRun;
import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.model.RgbFrame;
import io.egostream.operators.records.Jpeg;
import io.egostream.proto.v1.ClipEmbedding;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code egostream ingest} with real FFmpeg (through JavaCV) and a real broker: a file FFmpeg made from its
 * {@code testsrc2} pattern, the same video served by FFmpeg over HTTP as a live MPEG-TS stream ({@code ffmpeg -re ...
 * -f mpegts -listen 1 http://...}), sources that cannot be opened, and the job embedding what was ingested.
 */
class IngestEndToEndTest {

  private static final int SECONDS = 6;
  private static final int SOURCE_FPS = 25;

  @TempDir static Path dir;
  private static EmbeddedKafka kafka;
  private static Path video;

  @BeforeAll
  static void startKafkaAndMakeVideo() throws IOException {
    kafka = EmbeddedKafka.start(0, null);
    kafka.createEgoStreamTopics(2);
    video = testsrc2(dir.resolve("testsrc2.mp4"));
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  @Test
  void aFileBecomesJpegFramesOfOneDeviceOnTheFilesClock() throws Exception {
    CommandRun command = new CommandRun();
    long before = System.currentTimeMillis();
    assertEquals(0, command.run("ingest", "--source", video.toString(), "--device", "cam-file",
        "--bootstrap-servers", kafka.bootstrapServers(), "--fps", "5", "--size", "96x72", "--fast"), command.err());
    long after = System.currentTimeMillis();
    assertTrue(command.out().contains("Ingested 30 frames in 8 batches: 5.8 s of stream"), command.out());

    List<FrameBatch> batches = batchesOf("cam-file");
    assertEquals(8, batches.size(), "30 frames, 4 a message");
    List<Frame> frames = frames(batches);
    assertEquals(SECONDS * 5, frames.size(), "6 s at --fps 5");
    assertTrue(frames.get(0).getCaptureTimeMs() >= before && frames.get(0).getCaptureTimeMs() <= after,
        "the first frame is anchored to the wall clock when it was read");
    for (int i = 0; i < frames.size(); i++) {
      Frame frame = frames.get(i);
      assertEquals(i, frame.getSequence());
      RgbFrame decoded = Jpeg.decode(frame.getJpeg().toByteArray());
      assertEquals(96, decoded.width());
      assertEquals(72, decoded.height());
      assertEquals(96, frame.getWidth());
      if (i > 0) {
        assertEquals(200, frame.getCaptureTimeMs() - frames.get(i - 1).getCaptureTimeMs(),
            "capture times follow the file's clock: every fifth frame of 25 fps");
      }
    }
  }

  @Test
  void aStreamFfmpegServesOverHttpIsIngestedAtItsOwnPace() throws Exception {
    String url = "http://127.0.0.1:" + EmbeddedKafka.freePort() + "/live.ts";
    // Its own process, as ffmpeg would be (JavaCV serializes opening inputs and outputs on one lock per JVM).
    Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), ServeInRealTime.class.getName(), video.toString(), url)
        .redirectOutput(dir.resolve("server.log").toFile()).redirectErrorStream(true).start();
    try {
      CommandRun command = new CommandRun();
      int exit = command.run(live(url));
      for (int attempt = 0; exit != 0 && attempt < 300 && command.err().contains("Connection refused"); attempt++) {
        Thread.sleep(100); // the server listens once its output is open: until then the connection is refused
        command = new CommandRun();
        exit = command.run(live(url));
      }
      assertEquals(0, exit, command.err());
      assertTrue(command.out().contains("(end of stream)"), command.out());
      assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server ends with its stream");
      assertEquals(0, server.exitValue(), "server log: " + Files.readString(dir.resolve("server.log")));
    } finally {
      server.destroyForcibly().waitFor();
    }

    List<ConsumerRecord<byte[], byte[]>> records = recordsOf("cam-live");
    List<Frame> frames = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      FrameBatch batch = FrameBatch.parseFrom(record.value());
      assertEquals("cam-live", batch.getDeviceId());
      Frame last = batch.getFrames(batch.getFramesCount() - 1);
      assertTrue(record.timestamp() >= last.getCaptureTimeMs(),
          "real-time pacing: a batch is sent once the wall clock has reached its last capture time");
      frames.addAll(batch.getFramesList());
    }
    assertTrue(frames.size() >= SECONDS * 5 - 2, frames.size() + " frames of 6 s at 5 fps");
    for (int i = 1; i < frames.size(); i++) {
      assertEquals(200, frames.get(i).getCaptureTimeMs() - frames.get(i - 1).getCaptureTimeMs(),
          "capture times follow the stream's pts (90 kHz MPEG-TS clock)");
    }
    assertEquals(160, Jpeg.decode(frames.get(0).getJpeg().toByteArray()).width(), "default --size 160x120");
  }

  @Test
  void sourcesThatCannotBeOpenedAreNamedWithFfmpegsReason() throws IOException {
    CommandRun command = new CommandRun();
    String refused = "http://127.0.0.1:" + EmbeddedKafka.freePort() + "/nothing.ts";
    assertEquals(1, command.run("ingest", "--source", refused, "--device", "d", "--bootstrap-servers",
        kafka.bootstrapServers()));
    assertTrue(command.err().contains("Cannot open video source " + refused + ": Connection refused"),
        command.err());
    Path missing = dir.resolve("missing.mp4");
    assertEquals(1, command.run("ingest", "--source", missing.toString(), "--device", "d", "--bootstrap-servers",
        kafka.bootstrapServers()));
    assertTrue(command.err().contains("Cannot open video source " + missing + ": No such file or directory"),
        command.err());
    assertEquals(2, command.run("ingest", "--source", video.toString(), "--device", "d", "--bootstrap-servers",
        kafka.bootstrapServers(), "--size", "160"));
    assertTrue(command.err().contains("Invalid value 160 for option '--size'"), command.err());
  }

  @Test
  void theJobEmbedsIngestedFrames() throws Exception {
    Configuration conf = new Configuration();
    conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
    conf.set(EgoStreamOptions.CHECKPOINT_INTERVAL_MS, 300L);
    conf.set(EgoStreamOptions.MODEL_PRESET, "tiny");
    JobClient job = TestKafka.startJob(conf, false, "egostream-ingest-test");
    try {
      CommandRun command = new CommandRun();
      assertEquals(0, command.run("ingest", "--source", video.toString(), "--device", "cam-job",
          "--bootstrap-servers", kafka.bootstrapServers(), "--fast"), command.err());
      List<Frame> frames = frames(batchesOf("cam-job"));
      long first = frames.get(0).getCaptureTimeMs();
      long last = frames.get(frames.size() - 1).getCaptureTimeMs();
      List<ClipEmbedding> clips = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 120_000;
      while (clips.isEmpty() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r
            : TestKafka.readCommitted(kafka, EgoStreamTopics.EMBEDDINGS, Duration.ofSeconds(2))) {
          ClipEmbedding clip = ClipEmbedding.parseFrom(r.value());
          if (clip.getDeviceId().equals("cam-job")) {
            clips.add(clip);
          }
        }
      }
      assertTrue(!clips.isEmpty(), "no clip embedding of the ingested device within 120 s");
      for (ClipEmbedding clip : clips) {
        assertTrue(clip.getEndMs() > first && clip.getStartMs() <= last, "clip " + clip.getStartMs() + ".."
            + clip.getEndMs() + " overlaps the ingested frames " + first + ".." + last);
        assertTrue(clip.getEmbeddingCount() > 0);
      }
    } finally {
      job.cancel().get();
    }
  }

  private static String[] live(String url) {
    return new String[] {"ingest", "--source", url, "--device", "cam-live", "--bootstrap-servers",
        kafka.bootstrapServers(), "--fps", "5"};
  }

  /** {@value #SECONDS} s of FFmpeg's testsrc2 pattern, 320x240 at {@value #SOURCE_FPS} fps, as an mpeg4 file. */
  private static Path testsrc2(Path file) throws IOException {
    String pattern = "testsrc2=size=320x240:rate=" + SOURCE_FPS + ":duration=" + SECONDS;
    try (FFmpegFrameGrabber source = new FFmpegFrameGrabber(pattern)) {
      source.setFormat("lavfi");
      source.start();
      try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), 320, 240, 0)) {
        recorder.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
        recorder.setFrameRate(SOURCE_FPS);
        recorder.setVideoBitrate(2_000_000);
        recorder.start();
        for (org.bytedeco.javacv.Frame frame = source.grabImage(); frame != null; frame = source.grabImage()) {
          recorder.record(frame);
        }
        recorder.stop();
      }
    }
    return file;
  }

  /**
   * What {@code ffmpeg -re -i VIDEO -f mpegts -listen 1 URL} does: waits for one HTTP client and sends it the video
   * as MPEG-TS at its own frame rate. Arguments: VIDEO URL.
   */
  static final class ServeInRealTime {
    public static void main(String[] args) throws Exception {
      try (FFmpegFrameGrabber source = new FFmpegFrameGrabber(args[0])) {
        source.start();
        try (FFmpegFrameRecorder server = new FFmpegFrameRecorder(args[1], 320, 240, 0)) {
          server.setFormat("mpegts");
          server.setOption("listen", "1");
          server.setVideoCodec(avcodec.AV_CODEC_ID_MPEG2VIDEO);
          server.setFrameRate(SOURCE_FPS);
          server.setVideoBitrate(2_000_000);
          server.start(); // returns once a client has connected
          long started = System.nanoTime();
          for (org.bytedeco.javacv.Frame frame = source.grabImage(); frame != null; frame = source.grabImage()) {
            TimeUnit.NANOSECONDS.sleep(Math.max(0, started + frame.timestamp * 1000 - System.nanoTime()));
            server.record(frame);
          }
          server.stop();
        }
      }
    }
  }

  private static List<ConsumerRecord<byte[], byte[]>> recordsOf(String device) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r
        : TestKafka.readCommitted(kafka, EgoStreamTopics.FRAMES, Duration.ofSeconds(1))) {
      if (new String(r.key(), StandardCharsets.UTF_8).equals(device)) {
        records.add(r);
      }
    }
    return records;
  }

  private static List<FrameBatch> batchesOf(String device) throws IOException {
    List<FrameBatch> batches = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : recordsOf(device)) {
      FrameBatch batch = FrameBatch.parseFrom(r.value());
      assertEquals(device, batch.getDeviceId(), "the record key is the device id");
      batches.add(batch);
    }
    return batches;
  }

  private static List<Frame> frames(List<FrameBatch> batches) {
    return batches.stream().flatMap(b -> b.getFramesList().stream()).toList();
  }
}
