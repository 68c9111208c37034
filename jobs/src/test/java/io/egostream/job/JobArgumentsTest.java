package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.junit.jupiter.api.Test;

/** The arguments of {@link EgoStreamJobMain} (and of the {@code job} command), without a cluster. */
class JobArgumentsTest {
  @Test
  void readsEveryFormTheJobCommandTakes() {
    JobArguments arguments = JobArguments.parse("--bootstrap-servers", "broker:9092", "--model=/models/m",
        "--parallelism", "3", "-D", "clip.length.ms=6000", "-Dkafka.group-id=g", "-D", "state.backend.type=rocksdb");
    assertEquals(new JobArguments("broker:9092", "/models/m", 3,
        Map.of("clip.length.ms", "6000", "kafka.group-id", "g", "state.backend.type", "rocksdb")), arguments);
    Configuration conf = arguments.configuration();
    assertEquals("broker:9092", conf.get(EgoStreamOptions.BOOTSTRAP_SERVERS));
    assertEquals("/models/m", conf.get(EgoStreamOptions.MODEL_DIR));
    assertEquals(6000L, conf.get(EgoStreamOptions.CLIP_LENGTH_MS));
    assertEquals("g", conf.get(EgoStreamOptions.GROUP_ID));
    assertEquals("rocksdb", conf.get(StateBackendOptions.STATE_BACKEND));
  }

  @Test
  void setsOnlyWhatItIsGivenSoTheClustersConfigurationDecidesTheRest() {
    Configuration conf = JobArguments.parse("--bootstrap-servers=b:1").configuration();
    assertEquals(1, conf.keySet().size(), conf.toString());
    assertFalse(conf.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY).isPresent());
    assertEquals(0, JobArguments.parse().parallelism());
  }

  @Test
  void theNamedArgumentsWinOverTheirOptions() {
    Configuration conf = JobArguments.parse("-D", "kafka.bootstrap-servers=from-d:1", "--bootstrap-servers", "named:2")
        .configuration();
    assertEquals("named:2", conf.get(EgoStreamOptions.BOOTSTRAP_SERVERS));
  }

  @Test
  void anUnknownOptionNameIsRefusedNamingTheClosestOnes() {
    String typo = message("--bootstrap-servers", "b:1", "-D", "clip.lenght.ms=4000");
    assertTrue(typo.startsWith("Unknown job option clip.lenght.ms: did you mean clip.length.ms"), typo);
    String flinkTypo = message("-D", "state.checkpoint.dir=/x");
    assertTrue(flinkTypo.contains("did you mean state.checkpoints.dir"), flinkTypo);
    String nothingClose = message("-D", "no.such.thing.at-all=1");
    assertTrue(nothingClose.contains("no.such.thing.at-all: no EgoStream or Flink option is called that"),
        nothingClose);
  }

  @Test
  void kafkaPropertiesPassThroughToTheClientsAndATypoOrAPropertyTheJobSetsIsRefused() {
    Configuration conf = JobArguments.parse("-D", "kafka.properties.security.protocol=SASL_SSL",
        "-D", "kafka.properties.sasl.jaas.config=x required username=\"u\";", "-D", "clip.length.ms=4000")
        .configuration();
    assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", "x required username=\"u\";"),
        KafkaConnectors.clientProperties(conf));
    assertEquals("Unknown Kafka client property security.protocl in option kafka.properties.security.protocl: did "
        + "you mean kafka.properties.security.protocol?", message("-D", "kafka.properties.security.protocl=SSL"));
    assertEquals("Invalid option kafka.properties.bootstrap.servers: the job sets bootstrap.servers itself (use "
        + "kafka.bootstrap-servers)", message("-D", "kafka.properties.bootstrap.servers=b:1"));
    assertTrue(message("-D", "kafka.properties.isolation.level=read_uncommitted").contains("read_committed"));
  }

  @Test
  void aBadArgumentIsRefusedNamingIt() {
    assertEquals("Unknown argument --bootstrap: the job takes " + JobArguments.USAGE, message("--bootstrap", "b:1"));
    assertEquals("Unknown argument job: the job takes " + JobArguments.USAGE, message("job", "--bootstrap-servers"));
    assertEquals("Missing value for option --model: the job takes " + JobArguments.USAGE, message("--model"));
    assertTrue(message("--parallelism", "two").startsWith("Invalid value two for option --parallelism: "));
    assertTrue(message("--parallelism=-1").startsWith("Invalid value -1 for option --parallelism: "));
    assertTrue(message("-D", "clip.length.ms").startsWith("Invalid value clip.length.ms for option -D: expected "
        + "name=value"), message("-D", "clip.length.ms"));
  }

  private static String message(String... args) {
    return assertThrows(IllegalArgumentException.class, () -> JobArguments.parse(args)).getMessage();
  }
}
