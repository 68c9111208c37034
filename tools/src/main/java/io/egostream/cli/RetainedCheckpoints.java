package io.egostream.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The checkpoints a job left in its checkpoint directory, laid out as Flink writes them: {@code DIR/JOB_ID/chk-N}, a
 * completed one holding {@code _metadata}. Read through Flink's file systems, so any directory Flink can checkpoint
 * to (local, or a plugin's) works.
 */
final class RetainedCheckpoints {
  private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");

  private RetainedCheckpoints() {}

  /**
   * The Flink job id of the EgoStream job with consumer group {@code groupId}. Fixed rather than random, so that the
   * same job started again finds its own checkpoints under {@code DIR/JOB_ID} and no other job's: the group id is
   * what makes two EgoStream jobs different jobs (the same group would share the input's partitions).
   */
  static JobID jobId(String groupId) {
    UUID uuid = UUID.nameUUIDFromBytes(("egostream job " + groupId).getBytes(StandardCharsets.UTF_8));
    return new JobID(uuid.getLeastSignificantBits(), uuid.getMostSignificantBits());
  }

  /**
   * The newest completed checkpoint in {@code jobDir} (a job's folder, {@code DIR/JOB_ID}): the highest-numbered
   * {@code chk-N} with {@code _metadata}. A checkpoint cut short by a crash has no {@code _metadata} and is skipped.
   */
  static Optional<Path> latest(Path jobDir) throws IOException {
    FileSystem fs = jobDir.getFileSystem();
    if (!fs.exists(jobDir)) {
      return Optional.empty();
    }
    Path newest = null;
    long newestNumber = -1;
    for (FileStatus status : fs.listStatus(jobDir)) {
      Matcher m = CHECKPOINT.matcher(status.getPath().getName());
      if (status.isDir() && m.matches() && Long.parseLong(m.group(1)) > newestNumber
          && fs.exists(new Path(status.getPath(), "_metadata"))) {
        newest = status.getPath();
        newestNumber = Long.parseLong(m.group(1));
      }
    }
    return Optional.ofNullable(newest);
  }

  /**
   * Moves a job's checkpoints out of the way, from {@code jobDir} to {@code jobDir.before-TIME}, for a fresh start: a
   * new run numbers its checkpoints from 1 again, and must neither collide with the old ones nor resume from them
   * later. Moved, not deleted: they may still be wanted.
   *
   * @return where they went, empty if there were none
   */
  static Optional<Path> moveAside(Path jobDir, Instant now) throws IOException {
    FileSystem fs = jobDir.getFileSystem();
    if (!fs.exists(jobDir)) {
      return Optional.empty();
    }
    Path target = new Path(jobDir.getParent(), jobDir.getName() + ".before-" + now.toString().replace(':', '-'));
    if (!fs.rename(jobDir, target)) {
      throw new IOException("Could not move " + jobDir + " to " + target);
    }
    return Optional.of(target);
  }
}
