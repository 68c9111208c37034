package io.egostream.video;

import java.nio.ByteBuffer;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Converts decoded pictures (any pixel format) to packed RGB at a fixed output size, on demand: the readers decode
 * every frame but convert only those a sampler keeps, which is most of the saving on long strides.
 *
 * <p>Does what JavaCV's {@code FFmpegFrameGrabber} does for RGB24 (same swscale call, flags and 64-byte aligned
 * output rows), so the pixels match those of {@code grabImage()} exactly. Not thread-safe.
 */
final class RgbConverter implements AutoCloseable {

  private static final int ROW_ALIGNMENT = 64;

  private final int width;
  private final int height;
  private final int flags;
  private final int rowBytes;
  private final int stride;
  private final BytePointer pixels;
  private final PointerPointer<?> planes;
  private final IntPointer strides;
  private SwsContext context;

  /**
   * @param width output width in pixels
   * @param height output height in pixels
   * @param flags swscale flags (e.g. {@code SWS_AREA} when shrinking a lot, {@code SWS_BILINEAR} otherwise)
   */
  RgbConverter(int width, int height, int flags) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("Invalid output size " + width + "x" + height + ": must be positive");
    }
    this.width = width;
    this.height = height;
    this.flags = flags;
    this.rowBytes = width * 3;
    // swscale misbehaves on unaligned output rows (https://trac.ffmpeg.org/ticket/1031), as JavaCV notes too.
    this.stride = (rowBytes + ROW_ALIGNMENT - 1) / ROW_ALIGNMENT * ROW_ALIGNMENT;
    long size = (long) stride * height;
    this.pixels = new BytePointer(avutil.av_malloc(size)).capacity(size);
    this.planes = new PointerPointer<>(4).put(0, pixels);
    this.strides = new IntPointer(4).put(0, stride);
  }

  int width() {
    return width;
  }

  int height() {
    return height;
  }

  /** Converts {@code picture} into {@code target} as tightly packed RGB rows ({@code width * 3} bytes each). */
  void convert(AVFrame picture, byte[] target) {
    if (target.length != rowBytes * height) {
      throw new IllegalArgumentException("Invalid target of " + target.length + " bytes for a " + width + "x"
          + height + " RGB frame: need " + rowBytes * height);
    }
    context = swscale.sws_getCachedContext(context, picture.width(), picture.height(), picture.format(), width,
        height, avutil.AV_PIX_FMT_RGB24, flags, null, null, (DoublePointer) null);
    if (context == null) {
      throw new IllegalStateException("FFmpeg cannot convert " + picture.width() + "x" + picture.height()
          + " pictures of pixel format " + picture.format() + " to " + width + "x" + height + " RGB");
    }
    swscale.sws_scale(context, picture.data(), picture.linesize(), 0, picture.height(), planes, strides);
    ByteBuffer rows = pixels.asByteBuffer();
    for (int row = 0; row < height; row++) {
      rows.get(row * stride, target, row * rowBytes, rowBytes);
    }
  }

  @Override
  public void close() {
    swscale.sws_freeContext(context);
    context = null;
    avutil.av_free(pixels);
    planes.close();
    strides.close();
  }
}
