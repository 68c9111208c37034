package io.egostream.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * bert-base-uncased tokenization as the released code does it: {@link BertBasicTokenizer} (cleaning, CJK split,
 * lower-casing, accent stripping, punctuation split, special tokens kept whole), then greedy longest-match-first
 * WordPiece against a {@code vocab.txt} (one token a line, the line number is the id); a word of more than
 * {@value #MAX_WORD_CHARS} characters, or one WordPiece cannot cover, becomes {@code [UNK]}. The special tokens
 * around the pieces follow {@link SvittConfig.SpecialTokens}.
 */
public final class TextTokenizer {
  /** BERT's longest word (in code points) that WordPiece splits; a longer one is [UNK]. */
  static final int MAX_WORD_CHARS = 100;
  private static final List<String> SPECIAL = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

  private final List<String> tokens;
  private final Map<String, Integer> ids = new HashMap<>();
  private final BertBasicTokenizer basic = new BertBasicTokenizer(Set.copyOf(SPECIAL));
  private final int maxLength;
  private final SvittConfig.SpecialTokens layout;
  private final long unk;
  private final long cls;
  private final long sep;
  private final long pad;

  public TextTokenizer(List<String> vocabularyTokens, int maxLength, SvittConfig.SpecialTokens layout) {
    this.tokens = List.copyOf(vocabularyTokens);
    for (int i = 0; i < tokens.size(); i++) {
      ids.putIfAbsent(tokens.get(i), i);
    }
    for (String special : SPECIAL.subList(0, 4)) {
      if (!ids.containsKey(special)) {
        throw new IllegalArgumentException("Invalid vocabulary: it lacks the special token " + special
            + " (a BERT vocab.txt has [PAD], [UNK], [CLS], [SEP] and [MASK])");
      }
    }
    this.maxLength = maxLength;
    this.layout = layout;
    this.unk = ids.get("[UNK]");
    this.cls = ids.get("[CLS]");
    this.sep = ids.get("[SEP]");
    this.pad = ids.get("[PAD]");
  }

  public static TextTokenizer fromFile(Path vocabTxt, int maxLength, SvittConfig.SpecialTokens layout)
      throws IOException {
    return new TextTokenizer(readVocabulary(vocabTxt), maxLength, layout);
  }

  /** The tokens of a {@code vocab.txt}, id order. */
  static List<String> readVocabulary(Path vocabTxt) throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(vocabTxt, StandardCharsets.UTF_8));
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1); // a trailing newline is not a token
    }
    return lines;
  }

  /** The vocabulary, id order. */
  public List<String> vocabulary() {
    return tokens;
  }

  /**
   * Token ids of {@code text}: [CLS], its word pieces, and [SEP] when the layout has it; at most {@code maxLength}
   * ids, the pieces that do not fit cut from the end.
   *
   * @throws IllegalArgumentException for a null, empty or blank text
   */
  public Encoding encode(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("Invalid text \"" + text + "\": it is empty (give at least one word)");
    }
    List<Long> pieces = new ArrayList<>();
    for (String word : basic.tokenize(text)) {
      wordPieces(word, pieces);
    }
    if (pieces.isEmpty()) {
      throw new IllegalArgumentException(
          "Invalid text \"" + text + "\": it has no tokens after normalisation (only control characters?)");
    }
    boolean withSep = layout == SvittConfig.SpecialTokens.CLS_SEP;
    int specials = withSep ? 2 : 1;
    int room = maxLength - specials;
    boolean truncated = pieces.size() > room;
    List<Long> kept = truncated ? pieces.subList(0, room) : pieces;
    long[] out = new long[kept.size() + specials];
    out[0] = cls;
    for (int i = 0; i < kept.size(); i++) {
      out[i + 1] = kept.get(i);
    }
    if (withSep) {
      out[out.length - 1] = sep;
    }
    return new Encoding(out, truncated, pieces.size() + specials);
  }

  long padId() {
    return pad;
  }

  /** Greedy longest-match-first WordPiece of one word ("##" marks a piece inside a word); [UNK] if it fails. */
  private void wordPieces(String word, List<Long> out) {
    Integer special = SPECIAL.contains(word) ? ids.get(word) : null;
    if (special != null) {
      out.add((long) special);
      return;
    }
    int[] chars = word.codePoints().toArray();
    if (chars.length > MAX_WORD_CHARS) {
      out.add(unk);
      return;
    }
    List<Long> pieces = new ArrayList<>();
    int start = 0;
    while (start < chars.length) {
      Integer piece = null;
      int end = chars.length;
      for (; end > start; end--) {
        piece = ids.get((start > 0 ? "##" : "") + new String(chars, start, end - start));
        if (piece != null) {
          break;
        }
      }
      if (piece == null) {
        out.add(unk);
        return;
      }
      pieces.add((long) piece);
      start = end;
    }
    out.addAll(pieces);
  }

  /**
   * @param ids token ids: [CLS] first, then the word pieces, then [SEP] if the layout has it
   * @param truncated true when the text's tokens did not all fit
   * @param fullLength how many ids the whole text would have taken, special tokens included
   */
  public record Encoding(long[] ids, boolean truncated, int fullLength) {}
}
