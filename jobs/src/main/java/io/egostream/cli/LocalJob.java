package io.egostream.cli;

import io.egostream.job.EgoStreamJob;
import io.egostream.job.JobSettings;
import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The job on a local Flink cluster (parallelism 2) in this process, reading and writing an in-process broker: what
 * {@code demo} and {@code bench soak} run.
 *
 * @param settings the job's settings, as parsed from the configuration
 * @param client the running job
 */
record LocalJob(JobSettings settings, JobClient client) {
  private static final int PARALLELISM = 2;

  /**
   * Builds the job on Kafka from {@code conf} (which names the broker) and starts it. An invalid option is the
   * command line's fault: it becomes a {@link ParameterException} of {@code spec}.
   */
  static LocalJob start(CommandSpec spec, Configuration conf, String name) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(PARALLELISM, conf);
    EgoStreamJob.configureCheckpoints(env, conf);
    JobSettings settings;
    try {
      settings = JobSettings.from(conf, PARALLELISM);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    EgoStreamJob.buildOnKafka(env, conf, settings, false);
    return new LocalJob(settings, env.executeAsync(name));
  }

  /** A producer of raw bytes to {@code kafka}, with EgoStream's record size limit. */
  static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.producerSizeLimits());
    config.put("bootstrap.servers", kafka.bootstrapServers());
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
