package io.egostream.video;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts any FFmpeg-readable video into clips of RGB frames.
 *
 * <p>{@link #clips} decodes the whole file once, front to back, and hands out clips as soon as their last frame is
 * decoded; {@link #clip} seeks to one time range (EgoMCQ candidates). Frame times are seconds from the first video
 * frame. Every frame is decoded (FFmpeg's own threads, JavaCV's default), but only the frames a clip picks are
 * converted to RGB and copied out of native memory. Not thread-safe; one operation at a time (starting one abandons
 * a running {@link #clips} iteration).
 */
public final class VideoClipReader implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(VideoClipReader.class);
  private static final double MICROS_PER_SECOND = 1_000_000.0;

  static {
    // FFmpeg logs every recoverable glitch of a damaged stream to stderr; the errors that matter reach us as
    // exceptions.
    avutil.av_log_set_level(avutil.AV_LOG_ERROR);
  }

  private final Path file;
  private final FFmpegFrameGrabber grabber;
  private final VideoInfo info;
  private final long originMicros;
  private final RgbConverter converter;
  /** A second reference to the picture the sampler keeps as its previous frame (shares the decoder's buffer). */
  private final AVFrame kept = avutil.av_frame_alloc();
  private boolean atStart = true;

  private VideoClipReader(Path file, FFmpegFrameGrabber grabber, VideoInfo info, long originMicros,
      RgbConverter converter) {
    this.file = file;
    this.grabber = grabber;
    this.info = info;
    this.originMicros = originMicros;
    this.converter = converter;
  }

  /** Opens a video at its coded resolution. */
  public static VideoClipReader open(Path file) throws IOException {
    return open(file, 0);
  }

  /**
   * Opens a video.
   *
   * @param maxShortSide if positive, frames whose shorter side is longer are scaled down (keeping the aspect ratio)
   *     while converting to RGB, which is far cheaper than decoding at full size and resizing later; 0 keeps the
   *     coded resolution
   * @throws IOException if the file is missing, unreadable, not a media file or has no video stream
   */
  public static VideoClipReader open(Path file, int maxShortSide) throws IOException {
    if (maxShortSide < 0) {
      throw new IllegalArgumentException(
          "Invalid value " + maxShortSide + " for the maximum short side: must be >= 0 pixels (0 = no scaling)");
    }
    checkReadableFile(file);
    FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile());
    // Pictures come out as decoded; RgbConverter converts the few a sampler picks.
    grabber.setImageMode(FrameGrabber.ImageMode.RAW);
    try {
      grabber.start();
    } catch (FrameGrabber.Exception | RuntimeException e) {
      closeQuietly(grabber);
      throw new IOException("Cannot read video " + file + ": FFmpeg cannot open it as a media file (corrupt, "
          + "truncated or not a video?): " + e.getMessage(), e);
    }
    try {
      if (!grabber.hasVideo()) {
        throw new IOException("Cannot read video " + file + ": it has no video stream (audio-only or data file?)");
      }
      long originMicros = videoOriginMicros(grabber);
      VideoInfo info = new VideoInfo(file, durationSeconds(file, grabber), grabber.getImageWidth(),
          grabber.getImageHeight(), grabber.getFrameRate(), grabber.getFormat(), grabber.getVideoCodecName());
      if (info.width() <= 0 || info.height() <= 0) {
        throw new IOException("Cannot read video " + file + ": its video stream declares no frame size ("
            + info.width() + "x" + info.height() + "); the file is probably damaged");
      }
      return new VideoClipReader(file, grabber, info, originMicros, converter(info, maxShortSide));
    } catch (IOException | RuntimeException e) {
      closeQuietly(grabber);
      throw e;
    }
  }

  public VideoInfo info() {
    return info;
  }

  /**
   * The clips of the whole video, decoded lazily in one pass from the start.
   *
   * <p>{@code hasNext()} and {@code next()} throw {@link UncheckedIOException} (wrapping an IOException naming the
   * file) if decoding fails.
   */
  public Iterator<SampledClip> clips(ClipSampling sampling) throws IOException {
    rewind();
    List<ClipWindow> windows = sampling.windows(info.durationSeconds());
    return new ClipIterator(new NearestFrameSampler(windows.iterator(), sampling.framesPerClip()));
  }

  /**
   * The clip of an arbitrary time range, {@code frames} frames sampled uniformly inside it. Seeks (to a key frame
   * before the range) instead of decoding from the start.
   *
   * @throws IllegalArgumentException if the range is empty or starts after the end of the video
   */
  public SampledClip clip(double startSeconds, double endSeconds, int frames) throws IOException {
    ClipWindow window = new ClipWindow(startSeconds, endSeconds);
    if (frames < 1) {
      throw new IllegalArgumentException("Invalid value " + frames + " for frames: must be at least 1");
    }
    if (startSeconds >= info.durationSeconds()) {
      throw new IllegalArgumentException("Invalid clip range [" + startSeconds + ", " + endSeconds + "] s for "
          + file + ": the video is only " + info.durationSeconds() + " s long");
    }
    seekBefore(window.frameTime(0, frames));
    Iterator<SampledClip> clips = new ClipIterator(new NearestFrameSampler(List.of(window).iterator(), frames));
    try {
      if (clips.hasNext()) {
        return clips.next();
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    throw new IOException("Cannot read clip [" + startSeconds + ", " + endSeconds + "] s of video " + file
        + ": its frames end before " + startSeconds + " s although it declares " + info.durationSeconds()
        + " s (truncated file?)");
  }

  @Override
  public void close() {
    closeQuietly(grabber);
    avutil.av_frame_free(kept);
    converter.close();
  }

  private void rewind() throws IOException {
    if (!atStart) {
      seekTo(0);
    }
  }

  /** Positions the decoder so that the first frame it returns is at or before {@code seconds}. */
  private void seekBefore(double seconds) throws IOException {
    // JavaCV's seek stops at the first frame at or after its target; aim 1.5 frames early so the frame just before
    // the wanted time is seen too and the nearest of the two can be picked.
    double frameSeconds = info.frameRate() > 0 ? 1 / info.frameRate() : 0.1;
    double target = seconds - 1.5 * frameSeconds;
    if (target <= 0) {
      rewind();
    } else {
      seekTo(target);
    }
  }

  private void seekTo(double seconds) throws IOException {
    try {
      // The video timestamp is relative to the video stream's start, as are our frame times.
      grabber.setVideoTimestamp(Math.round(seconds * MICROS_PER_SECOND));
    } catch (FrameGrabber.Exception | RuntimeException e) {
      throw new IOException("Cannot seek to " + seconds + " s in video " + file + ": " + e.getMessage(), e);
    }
    atStart = seconds <= 0;
  }

  /** Next video frame, or null at the end of the stream. */
  private DecodedFrame grab() throws IOException {
    atStart = false;
    Frame frame;
    try {
      frame = grabber.grabImage();
    } catch (FrameGrabber.Exception | RuntimeException e) {
      double seconds = (grabber.getTimestamp() - originMicros) / MICROS_PER_SECOND;
      throw new IOException("Cannot decode video " + file + " after " + seconds
          + " s (the file may be truncated or corrupt): " + e.getMessage(), e);
    }
    if (frame == null) {
      return null;
    }
    if (!(frame.opaque instanceof AVFrame picture) || picture.width() <= 0 || picture.height() <= 0) {
      throw new IOException("Cannot decode video " + file + ": FFmpeg returned a frame without a picture");
    }
    return new GrabbedFrame(picture, (frame.timestamp - originMicros) / MICROS_PER_SECOND);
  }

  private static void checkReadableFile(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new IOException("Video file not found: " + file.toAbsolutePath() + " (check the path)");
    }
    if (Files.isDirectory(file)) {
      throw new IOException("Cannot read video " + file + ": it is a directory, not a video file");
    }
    if (!Files.isReadable(file)) {
      throw new IOException("Cannot read video " + file + ": permission denied (check the file's permissions)");
    }
    if (Files.size(file) == 0) {
      throw new IOException("Cannot read video " + file + ": the file is empty");
    }
  }

  /** Where frame times start: the video stream's first timestamp, which JavaCV's video seeks are relative to. */
  private static long videoOriginMicros(FFmpegFrameGrabber grabber) {
    AVStream stream = grabber.getFormatContext().streams(grabber.getVideoStream());
    if (stream != null && stream.start_time() != avutil.AV_NOPTS_VALUE) {
      AVRational timeBase = stream.time_base();
      return stream.start_time() * 1_000_000L * timeBase.num() / timeBase.den();
    }
    AVFormatContext context = grabber.getFormatContext();
    return context.start_time() != avutil.AV_NOPTS_VALUE ? context.start_time() : 0;
  }

  private static double durationSeconds(Path file, FFmpegFrameGrabber grabber) throws IOException {
    AVFormatContext context = grabber.getFormatContext();
    if (context.duration() != avutil.AV_NOPTS_VALUE && context.duration() > 0) {
      return context.duration() / (double) avutil.AV_TIME_BASE;
    }
    AVStream stream = context.streams(grabber.getVideoStream());
    if (stream != null && stream.duration() != avutil.AV_NOPTS_VALUE && stream.duration() > 0) {
      AVRational timeBase = stream.time_base();
      return stream.duration() * (double) timeBase.num() / timeBase.den();
    }
    throw new IOException("Cannot read video " + file + ": its container declares no duration, so clips cannot be "
        + "planned; remux it into MP4 first (ffmpeg -i IN -c copy OUT.mp4)");
  }

  /** Converts to the coded size, or scaled down so the shorter side is {@code maxShortSide} (0: never). */
  private static RgbConverter converter(VideoInfo info, int maxShortSide) {
    int shortSide = Math.min(info.width(), info.height());
    if (maxShortSide == 0 || shortSide <= maxShortSide) {
      return new RgbConverter(info.width(), info.height(), swscale.SWS_BILINEAR);
    }
    double scale = (double) maxShortSide / shortSide;
    // Area averaging: bilinear aliases badly when shrinking by more than 2x.
    return new RgbConverter(Math.max(1, (int) Math.round(info.width() * scale)),
        Math.max(1, (int) Math.round(info.height() * scale)), swscale.SWS_AREA);
  }

  private static void closeQuietly(FFmpegFrameGrabber grabber) {
    try {
      grabber.close();
    } catch (FrameGrabber.Exception | RuntimeException e) {
      LOG.warn("Could not release FFmpeg resources: {}", e.toString());
    }
  }

  /** A decoded picture: the decoder's own until the next grab, or the reader's {@link #kept} reference. */
  private final class GrabbedFrame implements DecodedFrame {
    private final AVFrame picture;
    private final double seconds;

    GrabbedFrame(AVFrame picture, double seconds) {
      this.picture = picture;
      this.seconds = seconds;
    }

    @Override
    public double seconds() {
      return seconds;
    }

    @Override
    public int width() {
      return converter.width();
    }

    @Override
    public int height() {
      return converter.height();
    }

    @Override
    public void copyRgbTo(byte[] target) {
      converter.convert(picture, target);
    }

    @Override
    public DecodedFrame keep() {
      if (picture == kept) {
        return this;
      }
      avutil.av_frame_unref(kept);
      if (avutil.av_frame_ref(kept, picture) < 0) {
        throw new IllegalStateException("FFmpeg could not reference a decoded picture of " + file
            + " (out of memory?)");
      }
      return new GrabbedFrame(kept, seconds);
    }
  }

  /** Pulls decoded frames through a sampler until the next clip is ready. */
  private final class ClipIterator implements Iterator<SampledClip> {
    private final NearestFrameSampler sampler;
    private final ArrayDeque<SampledClip> ready = new ArrayDeque<>();
    private boolean ended;

    ClipIterator(NearestFrameSampler sampler) {
      this.sampler = sampler;
    }

    @Override
    public boolean hasNext() {
      while (ready.isEmpty() && !ended) {
        try {
          advance();
        } catch (IOException e) {
          ended = true;
          throw new UncheckedIOException(e);
        }
      }
      return !ready.isEmpty();
    }

    @Override
    public SampledClip next() {
      if (!hasNext()) {
        throw new NoSuchElementException("No more clips in " + file);
      }
      return ready.removeFirst();
    }

    private void advance() throws IOException {
      DecodedFrame frame = grab();
      if (frame != null) {
        ready.addAll(sampler.offer(frame));
        ended = sampler.done();
        return;
      }
      ended = true;
      ready.addAll(sampler.finish());
      if (!sampler.sawFrames()) {
        throw new IOException("Cannot read video " + file + ": no decodable video frame in the requested range "
            + "(the file may be truncated or corrupt)");
      }
      if (sampler.windowsPastEnd() > 0) {
        LOG.warn("Video {} ended before its declared duration of {} s: {} clip(s) after its last frame skipped",
            file, info.durationSeconds(), sampler.windowsPastEnd());
      }
    }
  }
}
