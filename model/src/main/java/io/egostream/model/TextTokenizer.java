package io.egostream.model;

import ai.djl.modality.nlp.DefaultVocabulary;
import ai.djl.modality.nlp.bert.BertFullTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * bert-base-uncased tokenization: lower-casing, accent stripping and punctuation splitting, then WordPiece against a
 * {@code vocab.txt} (one token a line, the line number is the id), through DJL's BERT tokenizer.
 */
public final class TextTokenizer {
  private final List<String> tokens;
  private final BertFullTokenizer tokenizer;
  private final DefaultVocabulary vocabulary;
  private final int maxLength;
  private final long cls;
  private final long sep;
  private final long pad;

  public TextTokenizer(List<String> vocabularyTokens, int maxLength) {
    this.tokens = List.copyOf(vocabularyTokens);
    for (String special : List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]")) {
      if (!tokens.contains(special)) {
        throw new IllegalArgumentException("Invalid vocabulary: it lacks the special token " + special
            + " (a BERT vocab.txt has [PAD], [UNK], [CLS], [SEP] and [MASK])");
      }
    }
    this.vocabulary = new DefaultVocabulary(tokens);
    this.tokenizer = new BertFullTokenizer(vocabulary, true);
    this.maxLength = maxLength;
    this.cls = vocabulary.getIndex("[CLS]");
    this.sep = vocabulary.getIndex("[SEP]");
    this.pad = vocabulary.getIndex("[PAD]");
  }

  public static TextTokenizer fromFile(Path vocabTxt, int maxLength) throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(vocabTxt, StandardCharsets.UTF_8));
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1); // a trailing newline is not a token
    }
    return new TextTokenizer(lines, maxLength);
  }

  /** The vocabulary, id order. */
  public List<String> vocabulary() {
    return tokens;
  }

  /**
   * Token ids of {@code text} as [CLS] … [SEP], at most {@code maxLength} of them.
   *
   * @throws IllegalArgumentException for a null, empty or blank text
   */
  public Encoding encode(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("Invalid text \"" + text + "\": it is empty (give at least one word)");
    }
    List<String> pieces = tokenizer.tokenize(text);
    if (pieces.isEmpty()) {
      throw new IllegalArgumentException(
          "Invalid text \"" + text + "\": it has no tokens after normalisation (only control characters?)");
    }
    int room = maxLength - 2;
    boolean truncated = pieces.size() > room;
    List<String> kept = truncated ? pieces.subList(0, room) : pieces;
    long[] ids = new long[kept.size() + 2];
    ids[0] = cls;
    for (int i = 0; i < kept.size(); i++) {
      ids[i + 1] = vocabulary.getIndex(kept.get(i));
    }
    ids[ids.length - 1] = sep;
    return new Encoding(ids, truncated, pieces.size() + 2);
  }

  long padId() {
    return pad;
  }

  /**
   * @param ids token ids, [CLS] first and [SEP] last
   * @param truncated true when the text's tokens did not all fit
   * @param fullLength how many tokens the whole text would have taken, [CLS] and [SEP] included
   */
  public record Encoding(long[] ids, boolean truncated, int fullLength) {}
}
