package io.egostream.video;

import java.nio.file.Path;

/**
 * What the container says about a video.
 *
 * @param file the video file
 * @param durationSeconds declared duration (FFmpeg's estimate for containers that do not store one)
 * @param width coded frame width in pixels, before any downscaling by the reader
 * @param height coded frame height in pixels, before any downscaling by the reader
 * @param frameRate average frames per second, 0 if unknown
 * @param container FFmpeg's name of the container format
 * @param codec FFmpeg's name of the video codec
 */
public record VideoInfo(
    Path file, double durationSeconds, int width, int height, double frameRate, String container, String codec) {}
