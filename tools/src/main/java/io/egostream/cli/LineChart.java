package io.egostream.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A PNG line chart of a bench or eval command's figures, drawn with JFreeChart without a display: named series on a
 * left axis and, optionally, on a right one (for example clips/s on the left and p99 latency on the right).
 * Series are drawn in the order they were first given a point; a NaN y (nothing measured) leaves its point out.
 */
final class LineChart {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 500;
  /** Matplotlib's first colours: the left axis's series take them from the start, the right's from the end. */
  private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
      new Color(0x9467bd), new Color(0x8c564b), new Color(0x7f7f7f), new Color(0xd62728)};

  private final String xLabel;
  private final String leftLabel;
  private final String rightLabel;
  private final Map<String, XYSeries> left = new LinkedHashMap<>();
  private final Map<String, XYSeries> right = new LinkedHashMap<>();

  /** {@code rightLabel} null: one axis. */
  LineChart(String xLabel, String leftLabel, String rightLabel) {
    this.xLabel = xLabel;
    this.leftLabel = leftLabel;
    this.rightLabel = rightLabel;
  }

  /** A point of the series {@code name} on the left axis. */
  LineChart left(String name, double x, double y) {
    return add(left, name, x, y);
  }

  /** A point of the series {@code name} on the right axis. */
  LineChart right(String name, double x, double y) {
    if (rightLabel == null) {
      throw new IllegalStateException("this chart has no right axis");
    }
    return add(right, name, x, y);
  }

  private LineChart add(Map<String, XYSeries> axis, String name, double x, double y) {
    XYSeries series = axis.computeIfAbsent(name, XYSeries::new);
    if (!Double.isNaN(y)) {
      series.add(x, y);
    }
    return this;
  }

  void write(Path png, String title) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYPlot plot = new XYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    NumberAxis x = new NumberAxis(xLabel);
    x.setAutoRangeIncludesZero(false); // the measured range (wearables, q_v, frames); the y axes keep zero
    plot.setDomainAxis(x);
    plot.setDataset(0, collection(left));
    plot.setRangeAxis(0, new NumberAxis(leftLabel));
    plot.setRenderer(0, renderer(left.size(), 0, 1));
    if (rightLabel != null) {
      plot.setDataset(1, collection(right));
      plot.setRangeAxis(1, new NumberAxis(rightLabel));
      plot.mapDatasetToRangeAxis(1, 1);
      plot.setRenderer(1, renderer(right.size(), COLORS.length - 1, -1));
    }
    ChartUtils.saveChartAsPNG(png.toFile(), new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true),
        WIDTH, HEIGHT);
  }

  private static XYSeriesCollection collection(Map<String, XYSeries> axis) {
    XYSeriesCollection collection = new XYSeriesCollection();
    axis.values().forEach(collection::addSeries);
    return collection;
  }

  /** Solid lines, colours taken from {@code first} on in steps of {@code step} (wrapping). */
  private static XYLineAndShapeRenderer renderer(int series, int first, int step) {
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < series; i++) {
      renderer.setSeriesPaint(i, COLORS[Math.floorMod(first + i * step, COLORS.length)]);
      renderer.setSeriesStroke(i, new BasicStroke(2f));
    }
    return renderer;
  }
}
