package io.egostream.model;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A WordPiece vocabulary for a model that has no released one (a randomly initialised or self-trained model):
 * BERT's special tokens, single characters and their ## continuations so that any lower-case text tokenizes, the
 * whole words of {@code words.txt}, then {@code [unusedN]} up to the requested size. A real bert-base-uncased
 * {@code vocab.txt} is used as is instead.
 */
final class Vocabularies {
  private Vocabularies() {}

  static List<String> generate(int size) {
    Set<String> tokens = new LinkedHashSet<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    String characters = "abcdefghijklmnopqrstuvwxyz0123456789";
    String punctuation = ".,;:!?'\"()[]{}-_/\\#&*+=<>@$%^~`|";
    for (char ch : (characters + punctuation).toCharArray()) {
      tokens.add(String.valueOf(ch));
    }
    for (char ch : characters.toCharArray()) {
      tokens.add("##" + ch);
    }
    tokens.addAll(words());
    if (tokens.size() > size) {
      throw new IllegalArgumentException("Invalid value " + size + " for vocab_size: the generated vocabulary needs "
          + tokens.size() + " tokens");
    }
    List<String> out = new ArrayList<>(tokens);
    for (int i = 0; out.size() < size; i++) {
      out.add("[unused" + i + "]");
    }
    return out;
  }

  private static List<String> words() {
    List<String> words = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        Vocabularies.class.getResourceAsStream("words.txt"), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.startsWith("#")) {
          for (String word : line.trim().split("\\s+")) {
            if (!word.isEmpty()) {
              words.add(word);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the built-in word list", e);
    }
    return words;
  }
}
