package io.egostream.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {
  @TempDir Path dir;

  @Test
  void lowercasesSplitsPunctuationAndUsesWordPieces() throws IOException {
    // A hand-made vocab.txt: the id of a token is its line number.
    Files.write(dir.resolve("vocab.txt"),
        List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "#", "c", "picks", "up", "the", "red", "cup", "mug",
            "##gy", "."));
    TextTokenizer t = TextTokenizer.fromFile(dir.resolve("vocab.txt"), 32);
    TextTokenizer.Encoding e = t.encode("#C C Picks up the RED Muggy cup.");
    assertArrayEquals(new long[] {2, 5, 6, 6, 7, 8, 9, 10, 12, 13, 11, 14, 3}, e.ids());
    assertFalse(e.truncated());
    assertArrayEquals(new long[] {2, 1, 3}, t.encode("zebra").ids(), "a word with no pieces is [UNK]");
  }

  @Test
  void longTextsAreTruncatedAndSaySo() {
    TextTokenizer t = new TextTokenizer(Vocabularies.generate(600), 6);
    TextTokenizer.Encoding e = t.encode("c picks up the red cup");
    assertEquals(6, e.ids().length);
    assertTrue(e.truncated());
    assertEquals(8, e.fullLength());
    assertEquals(t.encode("c picks up the").ids()[4], e.ids()[4]);
  }

  @Test
  void emptyTextsAndVocabulariesWithoutSpecialTokensAreRefused() {
    TextTokenizer t = new TextTokenizer(Vocabularies.generate(600), 32);
    assertThrows(IllegalArgumentException.class, () -> t.encode(""));
    assertThrows(IllegalArgumentException.class, () -> t.encode(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TextTokenizer(List.of("[PAD]", "a"), 32));
    assertTrue(e.getMessage().contains("[UNK]"), e.getMessage());
  }

  @Test
  void theGeneratedVocabularyTokenizesAnyLowerCaseText() {
    List<String> vocabulary = Vocabularies.generate(600);
    TextTokenizer t = new TextTokenizer(vocabulary, 64);
    long unknown = vocabulary.indexOf("[UNK]");
    for (long id : t.encode("#C C squeezes the zucchini 3 times!").ids()) {
      assertTrue(id != unknown, "no [UNK] for plain ASCII text");
    }
  }
}
