package io.egostream.video;

import io.egostream.model.RgbFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the pictures of any source FFmpeg opens (a file, an HTTP, RTSP or other stream, a V4L2 camera) one at a
 * time with their presentation times on the stream's clock, converting to RGB at a fixed size only the pictures the
 * caller asks for. Not thread-safe.
 */
public final class StreamFrameReader implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StreamFrameReader.class);
  /** A stalled network source fails after this long instead of blocking forever (FFmpeg's rw_timeout, in µs). */
  private static final String READ_TIMEOUT_MICROS = "15000000";
  private static final Pattern FFMPEG_ERROR = Pattern.compile("error (-\\d+)");

  static {
    avutil.av_log_set_level(avutil.AV_LOG_ERROR);
  }

  private final String source;
  private final FFmpegFrameGrabber grabber;
  private final RgbConverter converter;
  private AVFrame picture;
  private long ptsMicros;

  private StreamFrameReader(String source, FFmpegFrameGrabber grabber, RgbConverter converter) {
    this.source = source;
    this.grabber = grabber;
    this.converter = converter;
  }

  /**
   * Opens a source and reads its stream headers.
   *
   * @param source a file path or URL, or a device such as {@code /dev/video0}
   * @param inputFormat FFmpeg's input format (its {@code -f}, e.g. {@code v4l2}), or null to let FFmpeg probe
   * @param width output width of {@link #rgb()}
   * @param height output height of {@link #rgb()}
   * @throws IOException naming the source and FFmpeg's reason if it cannot be opened or has no video
   */
  public static StreamFrameReader open(String source, String inputFormat, int width, int height) throws IOException {
    RgbConverter converter = new RgbConverter(width, height, swscale.SWS_AREA);
    FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(source);
    if (inputFormat != null) {
      grabber.setFormat(inputFormat);
    }
    grabber.setImageMode(FrameGrabber.ImageMode.RAW);
    grabber.setOption("rw_timeout", READ_TIMEOUT_MICROS);
    try {
      grabber.start();
      if (!grabber.hasVideo()) {
        throw new IOException("Cannot read video source " + source + ": it has no video stream");
      }
      return new StreamFrameReader(source, grabber, converter);
    } catch (FrameGrabber.Exception | RuntimeException e) {
      release(grabber, converter);
      throw new IOException("Cannot open video source " + source + ": " + reason(e), e);
    } catch (IOException e) {
      release(grabber, converter);
      throw e;
    }
  }

  /** Codec and coded size, for a log line. */
  public String describe() {
    return grabber.getImageWidth() + "x" + grabber.getImageHeight() + " " + grabber.getVideoCodecName()
        + (grabber.getFrameRate() > 0 ? String.format(Locale.ROOT, " %.3g fps", grabber.getFrameRate())
            : "");
  }

  /**
   * Decodes the next picture.
   *
   * @return false at the end of the stream
   * @throws IOException naming the source and FFmpeg's reason if reading fails (a dropped connection, a timeout)
   */
  public boolean next() throws IOException {
    Frame frame;
    try {
      frame = grabber.grabImage();
    } catch (FrameGrabber.Exception | RuntimeException e) {
      throw new IOException("Cannot read video source " + source + ": " + reason(e), e);
    }
    if (frame == null) {
      picture = null;
      return false;
    }
    if (!(frame.opaque instanceof AVFrame decoded) || decoded.width() <= 0 || decoded.height() <= 0) {
      throw new IOException("Cannot read video source " + source + ": FFmpeg returned a frame without a picture");
    }
    picture = decoded;
    ptsMicros = frame.timestamp;
    return true;
  }

  /** Presentation time of the current picture in microseconds on the stream's clock (not necessarily from 0). */
  public long ptsMicros() {
    checkPicture();
    return ptsMicros;
  }

  /** The current picture, converted now to RGB at the output size. */
  public RgbFrame rgb() {
    checkPicture();
    byte[] pixels = new byte[converter.width() * converter.height() * 3];
    converter.convert(picture, pixels);
    return new RgbFrame(converter.width(), converter.height(), pixels);
  }

  @Override
  public void close() {
    release(grabber, converter);
  }

  private void checkPicture() {
    if (picture == null) {
      throw new IllegalStateException("No current picture: call next() first, and only use it while it returns true");
    }
  }

  /** JavaCV's message with FFmpeg's own words for its error code (e.g. "Connection refused"). */
  private static String reason(Exception e) {
    String message = String.valueOf(e.getMessage());
    Matcher code = FFMPEG_ERROR.matcher(message);
    if (code.find()) {
      byte[] text = new byte[256];
      if (avutil.av_strerror(Integer.parseInt(code.group(1)), text, text.length) == 0) {
        return new String(text, 0, indexOfZero(text), StandardCharsets.UTF_8) + " (" + message + ")";
      }
    }
    return message;
  }

  private static int indexOfZero(byte[] text) {
    for (int i = 0; i < text.length; i++) {
      if (text[i] == 0) {
        return i;
      }
    }
    return text.length;
  }

  private static void release(FFmpegFrameGrabber grabber, RgbConverter converter) {
    try {
      grabber.close();
    } catch (FrameGrabber.Exception | RuntimeException e) {
      LOG.warn("Could not release FFmpeg resources: {}", e.toString());
    }
    converter.close();
  }
}
