package io.egostream.embed;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Pulls an iterator on a thread of its own into a bounded queue, so that producing the next items (decoding video)
 * overlaps with using this one (running the model). At most {@code capacity} items wait, which bounds memory.
 *
 * <p>A RuntimeException or Error thrown by the source comes out of {@link #hasNext()} on the caller's thread, after
 * the items produced before it. {@link #close()} stops the thread and waits for it, so the caller may release what
 * the source reads from afterwards. One consumer thread.
 */
public final class ReadAhead<T> implements Iterator<T>, AutoCloseable {

  private static final Object END = new Object();

  private final BlockingQueue<Object> queue;
  private final Thread thread;
  private Object next;

  /** A failure of the source, to be rethrown on the consumer's thread. */
  private record Failure(Throwable thrown) {}

  public ReadAhead(Iterator<? extends T> source, int capacity, String threadName) {
    if (capacity < 1) {
      throw new IllegalArgumentException("Invalid read-ahead capacity " + capacity + ": must be at least 1");
    }
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.thread = new Thread(() -> produce(source), threadName);
    thread.setDaemon(true);
    thread.start();
  }

  private void produce(Iterator<? extends T> source) {
    try {
      try {
        while (source.hasNext()) {
          queue.put(source.next());
        }
        queue.put(END);
      } catch (RuntimeException | Error e) {
        queue.put(new Failure(e));
      }
    } catch (InterruptedException e) {
      // close(): the consumer has stopped reading.
    }
  }

  @Override
  public boolean hasNext() {
    if (next == null) {
      try {
        next = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for " + thread.getName(), e);
      }
    }
    if (next instanceof Failure failure) {
      // Stays at the head, so every later call reports the same failure.
      if (failure.thrown() instanceof RuntimeException e) {
        throw e;
      }
      throw (Error) failure.thrown();
    }
    return next != END;
  }

  @Override
  @SuppressWarnings("unchecked")
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException("No more items from " + thread.getName());
    }
    T item = (T) next;
    next = null;
    return item;
  }

  /** Stops the producing thread and waits for it to finish the item it is working on. */
  @Override
  public void close() {
    thread.interrupt();
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
