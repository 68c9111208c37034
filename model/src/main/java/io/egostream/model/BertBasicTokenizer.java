package io.egostream.model;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * BERT's basic tokenizer, the step before WordPiece, with the rules of the released code's uncased {@code
 * BertTokenizer}: special tokens written in the text (such as {@code [MASK]}) are split out and kept whole; the rest
 * is cleaned (NUL, U+FFFD and control and format characters such as U+0007, the zero-width space and the soft hyphen
 * are dropped; every kind of white space becomes a space), each CJK ideograph becomes a word of its own, and each
 * word is lower-cased, stripped of accents (canonical decomposition, combining marks dropped) and split at every
 * punctuation character. Characters are Unicode code points throughout, as in Python, and lower-cased one at a time,
 * as the released code does before splitting (so a word-final capital sigma becomes σ, not ς).
 */
final class BertBasicTokenizer {
  private final Set<String> specialTokens;

  /** @param specialTokens tokens kept whole wherever they appear, case-sensitively */
  BertBasicTokenizer(Set<String> specialTokens) {
    this.specialTokens = Set.copyOf(specialTokens);
  }

  /** The words and punctuation marks of {@code text}, special tokens kept whole, in order. */
  List<String> tokenize(String text) {
    List<String> out = new ArrayList<>();
    int from = 0;
    while (from < text.length()) {
      int at = text.length();
      String special = null;
      for (String s : specialTokens) {
        int i = text.indexOf(s, from);
        if (i >= 0 && (i < at || i == at && special != null && s.length() > special.length())) {
          at = i;
          special = s;
        }
      }
      words(text.substring(from, at), out);
      if (special == null) {
        break;
      }
      out.add(special);
      from = at + special.length();
    }
    return out;
  }

  private static void words(String text, List<String> out) {
    StringBuilder spaced = new StringBuilder();
    text.codePoints().forEach(cp -> {
      if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
        return;
      }
      if (isWhitespace(cp)) {
        spaced.append(' ');
      } else if (isCjk(cp)) {
        spaced.append(' ').appendCodePoint(cp).append(' ');
      } else {
        spaced.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT)); // İ becomes i + U+0307
      }
    });
    for (String word : spaced.toString().split(" ")) {
      if (!word.isEmpty()) {
        splitPunctuation(stripAccents(word), out);
      }
    }
  }

  private static String stripAccents(String word) {
    StringBuilder kept = new StringBuilder();
    Normalizer.normalize(word, Normalizer.Form.NFD).codePoints()
        .filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK)
        .forEach(kept::appendCodePoint);
    return kept.toString();
  }

  private static void splitPunctuation(String word, List<String> out) {
    StringBuilder current = new StringBuilder();
    word.codePoints().forEach(cp -> {
      if (isPunctuation(cp)) {
        if (current.length() > 0) {
          out.add(current.toString());
          current.setLength(0);
        }
        out.add(new String(Character.toChars(cp)));
      } else {
        current.appendCodePoint(cp);
      }
    });
    if (current.length() > 0) {
      out.add(current.toString());
    }
  }

  /** Tab, newline and carriage return are white space; every other character of a "C" category is dropped. */
  private static boolean isControl(int cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      return false;
    }
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED
        || type == Character.PRIVATE_USE || type == Character.SURROGATE;
  }

  /** Space separators (Zs) and the characters Python's {@code str.split()} splits at. */
  private static boolean isWhitespace(int cp) {
    return Character.getType(cp) == Character.SPACE_SEPARATOR || Character.isWhitespace(cp);
  }

  /** Every non-alphanumeric ASCII character that is not white space or a control, and the "P" categories. */
  private static boolean isPunctuation(int cp) {
    if (cp >= 33 && cp <= 47 || cp >= 58 && cp <= 64 || cp >= 91 && cp <= 96 || cp >= 123 && cp <= 126) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
        || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
        || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
        || type == Character.OTHER_PUNCTUATION;
  }

  /** The CJK Unified Ideographs blocks and their extensions and compatibility blocks (not kana or hangul). */
  private static boolean isCjk(int cp) {
    return cp >= 0x4E00 && cp <= 0x9FFF || cp >= 0x3400 && cp <= 0x4DBF || cp >= 0x20000 && cp <= 0x2A6DF
        || cp >= 0x2A700 && cp <= 0x2B73F || cp >= 0x2B740 && cp <= 0x2B81F || cp >= 0x2B820 && cp <= 0x2CEAF
        || cp >= 0xF900 && cp <= 0xFAFF || cp >= 0x2F800 && cp <= 0x2FA1F;
  }
}
