package io.egostream.operators.inference;

import ai.djl.Device;
import io.egostream.model.Devices;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the device an inference task runs its model on: a GPU when the task has one PyTorch can use, else the CPU.
 *
 * <p>GPUs come from Flink's external resource framework under the name {@value #GPU_RESOURCE} (TaskManager settings
 * {@code external-resources: gpu}, {@code external-resource.gpu.amount},
 * {@code external-resource.gpu.driver-factory.class: org.apache.flink.externalresource.gpu.GPUDriverFactory}). The GPU
 * plugin reports every GPU of the TaskManager, each with its {@value #INDEX_PROPERTY} property, and they are shared by
 * all its slots: so each task takes the GPU at its subtask index modulo their number. That spreads tasks evenly only
 * when a TaskManager runs consecutive subtasks; Flink does not promise that, so for predictable placement give each
 * TaskManager one GPU ({@code external-resource.gpu.amount: 1}) and as many slots as models that GPU holds. The index
 * is used as PyTorch's CUDA ordinal, which holds when the TaskManager sees every GPU of its machine (not when
 * {@code CUDA_VISIBLE_DEVICES} renumbers them).
 *
 * <p>Falls back to the CPU, and logs why, when the task has no {@value #GPU_RESOURCE} resource, when no index parses,
 * or when PyTorch sees none of those GPUs (the CPU libtorch is on the classpath: build with {@code -Pgpu}).
 *
 * <p>Not exercised here: there is no GPU on the development and CI machines, so the tests cover the selection rule
 * ({@link #choose}) on the CPU, and the GPU path itself has never run.
 */
public final class DeviceSelection {
  /** Name of Flink's GPU external resource. */
  public static final String GPU_RESOURCE = "gpu";
  /** The property of a GPU resource holding the GPU's index. */
  public static final String INDEX_PROPERTY = "index";

  private static final Logger LOG = LoggerFactory.getLogger(DeviceSelection.class);

  private DeviceSelection() {}

  /** The device for the task running with {@code context}; logs the choice and why. */
  public static Device forTask(RuntimeContext context) {
    List<String> indices = new ArrayList<>();
    for (ExternalResourceInfo gpu : context.getExternalResourceInfos(GPU_RESOURCE)) {
      indices.add(gpu.getProperty(INDEX_PROPERTY).orElse(null));
    }
    // Asking PyTorch starts the engine; only worth it when there is a GPU to ask about.
    int visible = indices.isEmpty() ? 0 : Devices.pytorch().getGpuCount();
    int subtask = context.getTaskInfo().getIndexOfThisSubtask();
    Choice choice = choose(indices, visible, subtask);
    String task = context.getTaskInfo().getTaskNameWithSubtasks();
    if (!indices.isEmpty() && choice.device().equals(Device.cpu())) {
      LOG.warn("{} runs its model on the CPU although it has GPUs: {}", task, choice.reason());
    } else {
      LOG.info("{} runs its model on {}: {}", task, choice.device(), choice.reason());
    }
    return choice.device();
  }

  /** A device and why it was chosen (for the log). */
  record Choice(Device device, String reason) {}

  /**
   * The selection rule, free of Flink and PyTorch so that it can be tested on the CPU.
   *
   * @param gpuIndices the {@value #INDEX_PROPERTY} property of each {@value #GPU_RESOURCE} resource, as given (null
   *     when missing)
   * @param visibleGpus GPUs PyTorch sees (0 with the CPU libtorch)
   * @param subtaskIndex this task's subtask index
   */
  static Choice choose(Collection<String> gpuIndices, int visibleGpus, int subtaskIndex) {
    if (gpuIndices.isEmpty()) {
      return new Choice(Device.cpu(), "the task has no '" + GPU_RESOURCE + "' external resource");
    }
    TreeSet<Integer> given = new TreeSet<>(); // sorted, so every task of a TaskManager sees the same order
    List<String> unreadable = new ArrayList<>();
    for (String index : gpuIndices) {
      try {
        int i = Integer.parseInt(index == null ? "" : index.trim());
        if (i < 0) {
          throw new NumberFormatException();
        }
        given.add(i);
      } catch (NumberFormatException e) {
        unreadable.add(index);
      }
    }
    String ignored = unreadable.isEmpty() ? ""
        : " (ignored GPU resources whose '" + INDEX_PROPERTY + "' is not a GPU index: " + unreadable + ")";
    if (given.isEmpty()) {
      return new Choice(Device.cpu(), "no '" + GPU_RESOURCE + "' resource has a usable index" + ignored);
    }
    List<Integer> usable = new ArrayList<>(given.headSet(visibleGpus));
    if (usable.isEmpty()) {
      return new Choice(Device.cpu(), "the TaskManager has GPU(s) " + given + " but PyTorch sees " + visibleGpus
          + " GPU(s) (is the CUDA libtorch on the classpath? build with -Pgpu)" + ignored);
    }
    int gpu = usable.get(Math.floorMod(subtaskIndex, usable.size()));
    String unseen = usable.size() == given.size() ? ""
        : " (PyTorch sees only " + visibleGpus + " GPU(s), so GPU(s) " + given.tailSet(visibleGpus) + " are unused)";
    return new Choice(Device.gpu(gpu), "GPU " + gpu + " of " + usable + " for subtask " + subtaskIndex + unseen
        + ignored);
  }
}
