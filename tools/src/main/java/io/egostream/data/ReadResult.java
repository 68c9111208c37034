package io.egostream.data;

import java.util.List;

/**
 * What a reader made of a file: the good items, and the skipped ones with their reasons.
 *
 * @param items parsed items, in file order
 * @param rejected skipped items, in file order
 */
public record ReadResult<T>(List<T> items, List<Rejected> rejected) {

  public ReadResult {
    items = List.copyOf(items);
    rejected = List.copyOf(rejected);
  }
}
