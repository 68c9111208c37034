package io.egostream.cli;

import ai.djl.Device;
import io.egostream.model.Devices;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** The checks {@code eval-mcq} and {@code eval-nlq} share, as usage errors naming the option. */
final class EvalOptionChecks {
  private EvalOptionChecks() {}

  /**
   * Checks {@code --batch-size}, {@code --limit}, {@code --videos} and the folder of an optional output file, and
   * returns the device {@code --device} names.
   *
   * @param outputOption the output file's option, e.g. {@code --answers}
   * @param output that file, or null when not given
   */
  static Device check(CommandSpec spec, int batchSize, Integer limit, Path videos, String device,
      String outputOption, Path output) {
    if (batchSize < 1) {
      throw usage(spec, "Invalid value " + batchSize + " for option '--batch-size': must be at least 1");
    }
    if (limit != null && limit < 1) {
      throw usage(spec, "Invalid value " + limit + " for option '--limit': must be at least 1");
    }
    if (!Files.isDirectory(videos)) {
      throw usage(spec, "Invalid value " + videos + " for option '--videos': not a folder (give the folder holding "
          + "<video_uid>.mp4 files, e.g. the videos/ folder gen-data wrote)");
    }
    checkFolder(spec, outputOption, output);
    try {
      return Devices.select(device);
    } catch (IllegalArgumentException e) {
      throw usage(spec, "Option '--device': " + e.getMessage());
    }
  }

  /** Checks that the folder of an optional output file ({@code option}'s value, null when not given) exists. */
  static void checkFolder(CommandSpec spec, String option, Path output) {
    Path outputFolder = output == null ? null : output.toAbsolutePath().getParent();
    if (outputFolder != null && !Files.isDirectory(outputFolder)) {
      throw usage(spec, "Invalid value " + output + " for option '" + option + "': its folder " + outputFolder
          + " does not exist (create it first)");
    }
  }

  static ParameterException usage(CommandSpec spec, String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
