package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.Formatter;
import org.apache.flink.configuration.description.TextElement;
import org.junit.jupiter.api.Test;

/**
 * docs/options.md is generated from the option declarations ({@link EgoStreamOptions#all()}): key, default and
 * description come from one place, so the page cannot drift from the code. When an option changes, run this test
 * with {@code -Doptions.doc.write=true} to rewrite the page, and commit it.
 */
class OptionsDocTest {
  private static final Path PAGE = Path.of("docs", "options.md");

  @Test
  void docsOptionsPageIsGeneratedFromTheDeclarations() throws IOException {
    Path page = repositoryRoot().resolve(PAGE);
    String expected = render();
    if (Boolean.getBoolean("options.doc.write")) {
      Files.writeString(page, expected, StandardCharsets.UTF_8);
    }
    String actual = Files.exists(page) ? Files.readString(page, StandardCharsets.UTF_8) : "";
    assertEquals(expected, actual, PAGE + " is not what the option declarations say: run "
        + "`mvn -B -pl tools -am test -Dtest=OptionsDocTest -Dsurefire.failIfNoSpecifiedTests=false "
        + "-Doptions.doc.write=true` and commit the page");
  }

  static String render() {
    StringBuilder page = new StringBuilder()
        .append("# Job options\n\n")
        .append("<!-- Generated from EgoStreamOptions.all() by OptionsDocTest; do not edit by hand. -->\n\n")
        .append("Every option of the streaming job, in the order `EgoStreamOptions.all()` lists them. Set them with ")
        .append("`-D name=value` on `egostream job` or `EgoStreamJobMain` (`flink run`), or in a Flink `config.yaml`. ")
        .append("A value that fails its check stops the job at submission with a message naming the option. ")
        .append("Why each limit has its default: [limits.md](limits.md).\n\n")
        .append("| option | default | description |\n|---|---|---|\n");
    for (ConfigOption<?> option : EgoStreamOptions.all()) {
      page.append("| `").append(option.key()).append("` | ")
          .append(option.hasDefaultValue() ? "`" + option.defaultValue() + "`" : "(unset)").append(" | ")
          .append(cell(new MarkdownText().format(option.description()))).append(" |\n");
    }
    page.append("| `").append(EgoStreamOptions.KAFKA_PROPERTIES).append("*` | (unset) | ")
        .append("Set the Kafka client property after the prefix on every Kafka client of the job, sources and sinks ")
        .append("alike, e.g. `kafka.properties.security.protocol=SASL_SSL`; properties the job sets itself are ")
        .append("refused. |\n");
    return page.toString();
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }

  /** Plain text for a table cell: Flink's descriptions are built for HTML and Markdown alike. */
  private static final class MarkdownText extends Formatter {
    @Override
    protected void formatLink(StringBuilder state, String link, String description) {
      state.append('[').append(description).append("](").append(link).append(')');
    }

    @Override
    protected void formatLineBreak(StringBuilder state) {
      state.append(' ');
    }

    @Override
    protected void formatText(StringBuilder state, String format, String[] elements,
        EnumSet<TextElement.TextStyle> styles) {
      String text = String.format(format, (Object[]) elements);
      state.append(styles.contains(TextElement.TextStyle.CODE) ? "`" + text + "`" : text);
    }

    @Override
    protected void formatList(StringBuilder state, String[] entries) {
      state.append(String.join("; ", entries));
    }

    @Override
    protected Formatter newInstance() {
      return new MarkdownText();
    }
  }

  /** The repository's root: the test runs in its module's folder. */
  static Path repositoryRoot() {
    Path here = Path.of("").toAbsolutePath();
    return Files.exists(here.resolve("README.md")) ? here : here.getParent();
  }
}
