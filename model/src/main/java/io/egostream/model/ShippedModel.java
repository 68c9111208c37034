package io.egostream.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The trained model that ships inside the jar ({@code model/trained/tiny-synthetic} in the repository): the tiny
 * preset trained from scratch on the synthetic egocentric world, stored as float16. The commands and the job use it
 * when no model folder is given.
 *
 * <p>Everything that loads a model works on folders, so the first call copies the model out of the jar into a
 * temporary folder (once per JVM, deleted when it exits); on a Flink cluster that happens on each TaskManager, from
 * the job jar on its classpath.
 */
public final class ShippedModel {
  /** The folder's name, also the tail of the model id ({@code svitt-ego-tiny:tiny-synthetic}). */
  public static final String NAME = "tiny-synthetic";
  private static final String RESOURCE = "/io/egostream/model/trained/" + NAME + "/";
  private static Path folder;

  private ShippedModel() {}

  /** A model folder holding the shipped model. */
  public static synchronized Path folder() throws IOException {
    if (folder == null) {
      Path parent = Files.createTempDirectory("egostream-model-");
      Path dir = parent.resolve(NAME);
      Files.createDirectory(dir);
      // Deleted in the reverse order of registration: the files, then their folder, then its parent.
      parent.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      for (String file : SvittEgo.MODEL_FILES) {
        try (InputStream in = ShippedModel.class.getResourceAsStream(RESOURCE + file)) {
          if (in == null) {
            throw new IOException("The shipped model's " + file + " is not on the classpath at " + RESOURCE
                + ": the jar was built without model/trained/" + NAME + " (build with mvn package from the "
                + "repository, or give a model folder)");
          }
          Files.copy(in, dir.resolve(file));
          dir.resolve(file).toFile().deleteOnExit();
        }
      }
      folder = dir;
    }
    return folder;
  }
}
