package io.egostream.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A PNG chart of {@code bench pipeline}'s figures, drawn with JFreeChart without a display: clips/s embedded and
 * offered on the left axis, the embeddings' p99 latency on the right, against wearables (a sweep) or time (one run).
 */
final class PipelineChart {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 500;

  private final String xLabel;
  private final XYSeries embedded = new XYSeries("embedded clips/s");
  private final XYSeries offered = new XYSeries("offered clips/s");
  private final XYSeries p99 = new XYSeries("embedding p99 (s)");

  PipelineChart(String xLabel) {
    this.xLabel = xLabel;
  }

  /** One point; a NaN {@code p99Seconds} (nothing read) leaves the latency line without it. */
  PipelineChart add(double x, double embeddedPerSecond, double offeredPerSecond, double p99Seconds) {
    embedded.add(x, embeddedPerSecond);
    offered.add(x, offeredPerSecond);
    if (!Double.isNaN(p99Seconds)) {
      p99.add(x, p99Seconds);
    }
    return this;
  }

  void write(Path png, String title) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYPlot plot = new XYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    plot.setDomainAxis(new NumberAxis(xLabel));

    XYSeriesCollection rates = new XYSeriesCollection();
    rates.addSeries(embedded);
    rates.addSeries(offered);
    plot.setDataset(0, rates);
    plot.setRangeAxis(0, new NumberAxis("clips/s"));
    plot.setRenderer(0, renderer(new Color(0x1f77b4), new Color(0x999999)));

    plot.setDataset(1, new XYSeriesCollection(p99));
    plot.setRangeAxis(1, new NumberAxis("embedding p99 (s), consumer-visible"));
    plot.mapDatasetToRangeAxis(1, 1);
    plot.setRenderer(1, renderer(new Color(0xd62728)));

    ChartUtils.saveChartAsPNG(png.toFile(), new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true),
        WIDTH, HEIGHT);
  }

  private static XYLineAndShapeRenderer renderer(Color... colors) {
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < colors.length; i++) {
      renderer.setSeriesPaint(i, colors[i]);
      renderer.setSeriesStroke(i, new BasicStroke(2f));
    }
    return renderer;
  }
}
