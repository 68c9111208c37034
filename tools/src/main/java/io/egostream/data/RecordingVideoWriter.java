package io.egostream.data;

import io.egostream.model.RgbFrame;
import io.egostream.world.Recording;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameRecorder;

/**
 * Renders a recording of the procedural world into a video file: MPEG-4 Part 2 in MP4, because this FFmpeg build has
 * no libx264 and mpeg4 is the encoder every FFmpeg has. Frame i shows time i / fps; the video lasts the whole
 * recording.
 */
public final class RecordingVideoWriter {

  static {
    avutil.av_log_set_level(avutil.AV_LOG_ERROR); // FFmpeg's encoder chatter is not our progress report
  }

  private final int width;
  private final int height;
  private final int fps;

  public RecordingVideoWriter(int width, int height, int fps) {
    this.width = width;
    this.height = height;
    this.fps = fps;
  }

  /** Frames a recording becomes: enough to cover its whole duration. */
  public long frameCount(Recording recording) {
    return (recording.durationMs() * fps + 999) / 1000;
  }

  /** Writes {@code file} (via a temporary file, so an interrupted run leaves no half video under the final name). */
  public void write(Recording recording, Path file) throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial.mp4");
    try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(partial.toFile(), width, height, 0)) {
      recorder.setFormat("mp4");
      recorder.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
      recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
      recorder.setFrameRate(fps);
      recorder.setGopSize(fps); // a key frame every second: EgoMCQ evaluation seeks to each clip
      recorder.setVideoQuality(3); // mpeg4 quantiser: sharp enough at these sizes, files stay small
      recorder.start();
      Frame frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
      long frames = frameCount(recording);
      for (long i = 0; i < frames; i++) {
        copy(recording.frame(i * 1000 / fps, width, height), frame);
        recorder.record(frame, avutil.AV_PIX_FMT_RGB24);
      }
      recorder.stop();
    } catch (FrameRecorder.Exception e) {
      Files.deleteIfExists(partial);
      throw new IOException("Cannot encode video " + file + " with FFmpeg's mpeg4 encoder: " + e.getMessage(), e);
    }
    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void copy(RgbFrame source, Frame target) {
    ByteBuffer pixels = (ByteBuffer) target.image[0];
    int rowBytes = source.width() * 3;
    for (int y = 0; y < source.height(); y++) {
      pixels.position(y * target.imageStride);
      pixels.put(source.rgb(), y * rowBytes, rowBytes); // JavaCV may pad rows: copy row by row
    }
    pixels.position(0);
  }
}
