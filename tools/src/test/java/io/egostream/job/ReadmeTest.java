package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

/** The README is a user's guide: short enough to read, and the options it shows exist (all: docs/options.md). */
class ReadmeTest {
  /** Issue #6: a third of the 63 KB it had grown to; history and design live in docs/. */
  private static final long MAX_BYTES = 25 * 1024;

  @Test
  void theReadmeStaysAUsersGuide() throws IOException {
    long size = Files.size(readme());
    assertTrue(size <= MAX_BYTES, "README.md is " + size + " bytes, more than " + MAX_BYTES + ": move design and "
        + "history to docs/ and link to them");
  }

  @Test
  void theJobOptionsTableNamesRealOptionsAndLinksToTheFullList() throws IOException {
    String text = Files.readString(readme(), StandardCharsets.UTF_8);
    int start = text.indexOf("### Job options");
    assertTrue(start >= 0, "README.md has no '### Job options' section");
    int end = text.indexOf("\n#", start + 1);
    String section = text.substring(start, end < 0 ? text.length() : end);
    assertTrue(section.contains("(docs/options.md)"), "the Job options section must link to docs/options.md");
    Set<String> keys = EgoStreamOptions.all().stream().map(ConfigOption::key).collect(Collectors.toSet());
    keys.add(EgoStreamOptions.KAFKA_PROPERTIES + "*");
    Matcher key = Pattern.compile("^\\| `([^`|]+)` \\|", Pattern.MULTILINE).matcher(section);
    List<String> unknown = new ArrayList<>();
    int rows = 0;
    while (key.find()) {
      rows++;
      if (!keys.contains(key.group(1))) {
        unknown.add(key.group(1));
      }
    }
    assertTrue(rows > 0, "the Job options section has no table rows");
    assertEquals(List.of(), unknown, "README's Job options table names options the job does not have");
  }

  /** README.md of the repository: the test runs in its module's folder. */
  private static Path readme() {
    Path here = Path.of("").toAbsolutePath();
    Path inModule = here.resolveSibling("README.md");
    return Files.exists(here.resolve("README.md")) ? here.resolve("README.md") : inModule;
  }
}
