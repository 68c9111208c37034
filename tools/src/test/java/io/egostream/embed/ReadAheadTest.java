package io.egostream.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReadAheadTest {

  @Test
  void itemsComeInOrderOnTheCallersThread() {
    List<Integer> got = new ArrayList<>();
    try (ReadAhead<Integer> ahead = new ReadAhead<>(IntStream.range(0, 100).iterator(), 3, "test")) {
      ahead.forEachRemaining(got::add);
      assertFalse(ahead.hasNext());
    }
    assertEquals(IntStream.range(0, 100).boxed().toList(), got);
  }

  @Test
  void aFailureOfTheSourceComesAfterTheItemsBeforeIt() {
    UncheckedIOException failure = new UncheckedIOException(new IOException("truncated video"));
    Iterator<Integer> source = new Iterator<>() {
      int next;

      @Override
      public boolean hasNext() {
        if (next == 3) {
          throw failure;
        }
        return true;
      }

      @Override
      public Integer next() {
        return next++;
      }
    };
    try (ReadAhead<Integer> ahead = new ReadAhead<>(source, 8, "test")) {
      assertEquals(0, ahead.next());
      assertEquals(1, ahead.next());
      assertEquals(2, ahead.next());
      assertSame(failure, assertThrows(UncheckedIOException.class, ahead::hasNext));
      assertSame(failure, assertThrows(UncheckedIOException.class, ahead::next), "and again on every call");
    }
  }

  @Test
  void closeStopsAProducerWaitingOnAFullQueue() {
    AtomicInteger produced = new AtomicInteger();
    Iterator<Integer> endless = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Integer next() {
        return produced.incrementAndGet();
      }
    };
    ReadAhead<Integer> ahead = new ReadAhead<>(endless, 2, "test");
    assertEquals(1, ahead.next());
    ahead.close(); // returns only once the producer has stopped
    int afterClose = produced.get();
    assertTrue(afterClose <= 4, "at most the queue and one item in hand: " + afterClose);
    assertEquals(afterClose, produced.get(), "nothing is produced after close");
  }
}
