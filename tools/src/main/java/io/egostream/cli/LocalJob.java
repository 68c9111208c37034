package io.egostream.cli;

import io.egostream.job.EgoStreamJob;
import io.egostream.job.JobSettings;
import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The job on a local Flink cluster (parallelism 2) in this process, reading and writing an in-process broker: what
 * {@code demo} and {@code bench soak} run. Closing it cancels the job and deletes its checkpoints.
 *
 * @param settings the job's settings, as parsed from the configuration
 * @param client the running job
 * @param checkpoints the temporary folder its checkpoints go to
 */
record LocalJob(JobSettings settings, JobClient client, Path checkpoints) implements AutoCloseable {
  private static final int PARALLELISM = 2;

  /**
   * Builds the job on Kafka from {@code conf} (which names the broker) and starts it. An invalid option is the
   * command line's fault: it becomes a {@link ParameterException} of {@code spec}.
   */
  static LocalJob start(CommandSpec spec, Configuration conf, String name) throws Exception {
    // Checkpoints to files (the state itself stays on the heap): in JobManager memory, a local cluster's default, a
    // state handle over 5 MiB fails the checkpoint, which 4 wearables at 8 fps reach in about 100 s of buffered frames.
    Path checkpoints = Files.createTempDirectory(name + "-checkpoints");
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
    try {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(PARALLELISM, conf);
      JobSettings settings;
      try {
        EgoStreamJob.configureCheckpoints(env, conf);
        settings = JobSettings.from(conf, PARALLELISM);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      EgoStreamJob.buildOnKafka(env, conf, settings, false);
      return new LocalJob(settings, env.executeAsync(name), checkpoints);
    } catch (Exception e) {
      deleteTree(checkpoints);
      throw e;
    }
  }

  @Override
  public void close() throws Exception {
    try {
      client.cancel().get();
    } finally {
      deleteTree(checkpoints);
    }
  }

  /** A producer of raw bytes to {@code kafka}, with EgoStream's record size limit. */
  static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.producerSizeLimits());
    config.put("bootstrap.servers", kafka.bootstrapServers());
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Best effort: the cancelled job may still be discarding its checkpoints; a leftover temporary folder is fine. */
  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException | UncheckedIOException e) {
      // Left in the temporary folder.
    }
  }
}
