package io.egostream.model;

import static io.egostream.model.SvittConfig.SpecialTokens.CLS;
import static io.egostream.model.SvittConfig.SpecialTokens.CLS_SEP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
    TextTokenizer t = TextTokenizer.fromFile(dir.resolve("vocab.txt"), 32, CLS_SEP);
    TextTokenizer.Encoding e = t.encode("#C C Picks up the RED Muggy cup.");
    assertArrayEquals(new long[] {2, 5, 6, 6, 7, 8, 9, 10, 12, 13, 11, 14, 3}, e.ids());
    assertFalse(e.truncated());
    assertArrayEquals(new long[] {2, 1, 3}, t.encode("zebra").ids(), "a word with no pieces is [UNK]");
  }

  @Test
  void longTextsAreTruncatedAndSaySo() {
    TextTokenizer t = new TextTokenizer(Vocabularies.generate(600), 6, CLS_SEP);
    TextTokenizer.Encoding e = t.encode("c picks up the red cup");
    assertEquals(6, e.ids().length);
    assertTrue(e.truncated());
    assertEquals(8, e.fullLength());
    assertEquals(t.encode("c picks up the").ids()[4], e.ids()[4]);
  }

  @Test
  void emptyTextsAndVocabulariesWithoutSpecialTokensAreRefused() {
    TextTokenizer t = new TextTokenizer(Vocabularies.generate(600), 32, CLS_SEP);
    assertThrows(IllegalArgumentException.class, () -> t.encode(""));
    assertThrows(IllegalArgumentException.class, () -> t.encode(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TextTokenizer(List.of("[PAD]", "a"), 32, CLS_SEP));
    assertTrue(e.getMessage().contains("[UNK]"), e.getMessage());
  }

  @Test
  void theGeneratedVocabularyTokenizesAnyLowerCaseText() {
    List<String> vocabulary = Vocabularies.generate(600);
    TextTokenizer t = new TextTokenizer(vocabulary, 64, CLS_SEP);
    long unknown = vocabulary.indexOf("[UNK]");
    for (long id : t.encode("#C C squeezes the zucchini 3 times!").ids()) {
      assertTrue(id != unknown, "no [UNK] for plain ASCII text");
    }
  }

  @Test
  void theReleasedLayoutIsClsAndThePiecesWithoutSep() {
    TextTokenizer released = new TextTokenizer(Vocabularies.generate(600), 6, CLS);
    TextTokenizer.Encoding e = released.encode("c picks up the red cup");
    long[] withSep = new TextTokenizer(Vocabularies.generate(600), 7, CLS_SEP).encode("c picks up the red").ids();
    assertArrayEquals(Arrays.copyOf(withSep, 6), e.ids(), "[CLS] and five pieces; [CLS] X [SEP] would keep four");
    assertEquals(Vocabularies.generate(600).indexOf("[SEP]"), withSep[6]);
    assertTrue(e.truncated());
    assertEquals(7, e.fullLength());
  }

  /** The cases where BERT's basic tokenizer, as the released code runs it, differs from a plain WordPiece one. */
  @Test
  void edgeCasesAreTokenizedAsBertsBasicTokenizerDoes() throws IOException {
    Files.write(dir.resolve("vocab.txt"), List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "c", "the", "box",
        "cafe", "naive", "-", "!", ".", "'", "s", "日", "本", "a", "##a", "opens", "soft", "σοφοσ", "istanbul", "[",
        "]", "mask", "€", "##5", "cup"));
    TextTokenizer t = TextTokenizer.fromFile(dir.resolve("vocab.txt"), 128, CLS);
    assertEquals(List.of("c", "opens", "the", "box"), pieces(t, "C\u0007 opens\u200b the box"),
        "control and format characters (BEL, zero-width space) are dropped, not kept inside the word");
    assertEquals(List.of("soft"), pieces(t, "\u00adsoft\u00ad"), "soft hyphens are dropped");
    assertEquals(List.of("日", "本", "[UNK]"), pieces(t, "日本語"), "one word per CJK character");
    assertEquals(List.of("[UNK]"), pieces(t, "a".repeat(101)), "a word over 100 characters is [UNK]");
    assertEquals(101, t.encode("a".repeat(100)).ids().length, "one of 100 is still split: a ##a ... ##a");
    assertEquals(List.of("the", "[MASK]", "cup", "[", "mask", "]"), pieces(t, "the [MASK] cup [mask]"),
        "special tokens are kept whole, case-sensitively");
    assertEquals(List.of("cafe", "-", "naive", "!", "!"), pieces(t, "CAFÉ-Naïve!!"),
        "lower case, accents stripped, punctuation split");
    assertEquals(List.of("c", "'", "s", "€", "##5", "."), pieces(t, "C's €5."));
    assertEquals(List.of("istanbul", "σοφοσ"), pieces(t, "İstanbul ΣΟΦΟΣ"),
        "capitals lower-cased one at a time: İ loses its dot, a final Σ becomes σ");
    assertEquals(List.of("c", "the", "box"), pieces(t, " \tc\u00a0the\n box  "), "any white space separates");
    assertEquals(List.of("[UNK]"), pieces(t, "\uD83D\uDE00"), "an emoji is one character, not two surrogates");
  }

  private static List<String> pieces(TextTokenizer t, String text) {
    long[] ids = t.encode(text).ids();
    List<String> out = new ArrayList<>();
    for (int i = 1; i < ids.length; i++) {
      out.add(t.vocabulary().get((int) ids[i]));
    }
    return out;
  }
}
