package io.egostream.job;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.FallbackKey;

/**
 * The configuration keys Flink declares, found the way Flink's documentation generator finds them: every public
 * static {@link ConfigOption} field of Flink's {@code *Options} classes, with their deprecated and fallback keys. The
 * job's arguments ({@link JobArguments}) pass a Flink key through and refuse anything else, so a typo is a usage error
 * rather than a setting Flink silently ignores.
 */
final class FlinkOptionKeys {
  /**
   * Flink options without a fixed key: a name chosen by the user sits in the middle ({@code metrics.reporter.NAME.*},
   * {@code external-resource.NAME.*}), or the keys go to a file system plugin as they are ({@code fs.*}, {@code s3.*}).
   */
  private static final List<String> OPEN_PREFIXES = List.of("metrics.reporter.", "external-resource.", "fs.", "s3.");

  /** Classes in Flink's jars whose declared options count: the core, runtime, client and RocksDB ones. */
  private static final List<String> ANCHORS = List.of("org.apache.flink.configuration.CoreOptions",
      "org.apache.flink.runtime.shuffle.ShuffleServiceOptions", "org.apache.flink.client.cli.ClientOptions",
      "org.apache.flink.state.rocksdb.RocksDBOptions");

  private final Set<String> keys;

  private FlinkOptionKeys(Set<String> keys) {
    this.keys = keys;
  }

  /** Scans Flink's jars on the class path (in the shaded jar: that one jar). */
  static FlinkOptionKeys scan() {
    Set<Path> jars = new LinkedHashSet<>();
    for (String anchor : ANCHORS) {
      try {
        CodeSource source = Class.forName(anchor, false, CoreOptions.class.getClassLoader())
            .getProtectionDomain().getCodeSource();
        if (source != null) {
          jars.add(Path.of(source.getLocation().toURI()));
        }
      } catch (ClassNotFoundException | URISyntaxException e) {
        // That part of Flink is not on the class path here: its options cannot be set either.
      }
    }
    Set<String> keys = new HashSet<>();
    for (Path jar : jars) {
      for (String className : optionClasses(jar)) {
        addKeys(className, keys);
      }
    }
    return new FlinkOptionKeys(keys);
  }

  /** Whether Flink declares {@code key} (or one of its deprecated names), or takes keys under its prefix. */
  boolean isFlinkKey(String key) {
    return keys.contains(key) || OPEN_PREFIXES.stream().anyMatch(key::startsWith);
  }

  /** Up to three keys among {@code candidates} and Flink's closest to {@code key}, nearest first. */
  List<String> closest(String key, Set<String> candidates) {
    record Candidate(String name, int distance) {}

    Set<String> all = new HashSet<>(keys);
    all.addAll(candidates);
    int limit = Math.max(2, key.length() / 5);
    return all.stream()
        .map(k -> new Candidate(k, editDistance(key, k)))
        .filter(c -> c.distance() <= limit)
        .sorted(Comparator.comparingInt(Candidate::distance).thenComparing(Candidate::name))
        .limit(3)
        .map(Candidate::name)
        .toList();
  }

  private static List<String> optionClasses(Path location) {
    List<String> names = new ArrayList<>();
    if (Files.isDirectory(location)) { // classes of a module built in this reactor: not Flink's
      return names;
    }
    try (JarFile jar = new JarFile(location.toFile())) {
      for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
        String name = entries.nextElement().getName();
        if (name.startsWith("org/apache/flink/") && !name.startsWith("org/apache/flink/shaded/")
            && name.endsWith(".class") && !name.contains("$") && isOptionsClass(name)) {
          names.add(name.substring(0, name.length() - ".class".length()).replace('/', '.'));
        }
      }
    } catch (IOException e) {
      // An unreadable jar declares nothing we can accept.
    }
    return names;
  }

  private static boolean isOptionsClass(String entry) {
    String simple = entry.substring(entry.lastIndexOf('/') + 1);
    return simple.endsWith("Options.class") || simple.endsWith("OptionsInternal.class");
  }

  private static void addKeys(String className, Set<String> keys) {
    try {
      Class<?> c = Class.forName(className, false, CoreOptions.class.getClassLoader());
      for (Field field : c.getFields()) {
        if (Modifier.isStatic(field.getModifiers()) && ConfigOption.class.isAssignableFrom(field.getType())) {
          ConfigOption<?> option = (ConfigOption<?>) field.get(null);
          keys.add(option.key());
          for (FallbackKey fallback : option.fallbackKeys()) {
            keys.add(fallback.getKey());
          }
        }
      }
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      // A class whose dependencies are missing here: its options cannot take effect in this process anyway.
    }
  }

  /** Levenshtein distance. */
  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
