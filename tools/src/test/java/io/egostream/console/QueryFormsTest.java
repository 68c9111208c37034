package io.egostream.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.Query;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pages' forms become the queries the job expects; what a form alone can get wrong is refused, readably. */
class QueryFormsTest {
  private static final long NOW = 1_700_000_000_000L;

  @Test
  void searchBecomesAMomentQueryWithItsFilters() {
    Query q = QueryForms.moment("m-1", new QueryForms.MomentForm("  #C C picks up the cup ",
        List.of("wearable-00", " ", "wearable-02"), 1_000, 2_000, 5), NOW);
    assertEquals("m-1", q.getQueryId());
    assertEquals(NOW, q.getSentTimeMs());
    assertEquals("#C C picks up the cup", q.getMoment().getText());
    assertEquals(List.of("wearable-00", "wearable-02"), q.getMoment().getDeviceIdsList());
    assertEquals(1_000, q.getMoment().getFromMs());
    assertEquals(2_000, q.getMoment().getToMs());
    assertEquals(5, q.getMoment().getTopK());
  }

  @Test
  void searchRefusesATopKThePageCannotShowAndAMissingText() {
    for (int topK : new int[] {0, QueryForms.MAX_TOP_K + 1}) {
      var e = assertThrows(QueryForms.InvalidForm.class, () -> QueryForms.moment("m",
          new QueryForms.MomentForm("cup", null, 0, 0, topK), NOW));
      assertEquals("Invalid value " + topK + " for top-k: must be 1 to 50", e.getMessage());
    }
    var e = assertThrows(QueryForms.InvalidForm.class, () -> QueryForms.moment("m",
        new QueryForms.MomentForm(" ", List.of(), 0, 0, 5), NOW));
    assertTrue(e.getMessage().startsWith("Missing search text"), e.getMessage());
  }

  @Test
  void rangesTheJobJudgesAreLeftToTheJob() {
    // An empty range is the job's to refuse (its ERROR answer names the rule); the form passes it on unchanged.
    Query q = QueryForms.moment("m", new QueryForms.MomentForm("cup", List.of(), 5_000, 1_000, 5), NOW);
    assertEquals(5_000, q.getMoment().getFromMs());
    Query mcq = QueryForms.mcq("q", new QueryForms.McqForm("#C C opens the box", List.of("d:9:1", "d:1:2", "d:1:2",
        "d:1:2", "d:1:2"), 0), NOW);
    assertEquals(ClipRange.newBuilder().setDeviceId("d").setStartMs(9).setEndMs(1).build(),
        mcq.getMcq().getChoices(0));
  }

  @Test
  void askParsesFiveTypedChoicesAndKeepsColonsInDeviceIds() {
    Query q = QueryForms.mcq("q-1", new QueryForms.McqForm("#C C opens the box", List.of(
        "wearable-00:1000:5000", " site:a:cam-1:2000:6000 ", "w:0:1", "w:1:2", "w:2:3"), 7_000), NOW);
    assertEquals("#C C opens the box", q.getMcq().getNarration());
    assertEquals(7_000, q.getMcq().getTimeoutMs());
    assertEquals(5, q.getMcq().getChoicesCount());
    assertEquals(ClipRange.newBuilder().setDeviceId("site:a:cam-1").setStartMs(2_000).setEndMs(6_000).build(),
        q.getMcq().getChoices(1));
  }

  @Test
  void askRefusesOtherThanFiveChoicesAndNamesAnUnreadableOne() {
    var four = assertThrows(QueryForms.InvalidForm.class, () -> QueryForms.mcq("q",
        new QueryForms.McqForm("n", List.of("a:1:2", "a:1:2", "a:1:2", "a:1:2"), 0), NOW));
    assertTrue(four.getMessage().startsWith("An EgoMCQ question needs exactly 5 choices, not 4"), four.getMessage());
    var syntax = assertThrows(QueryForms.InvalidForm.class, () -> QueryForms.mcq("q",
        new QueryForms.McqForm("n", List.of("a:1:2", "a:1:2", "wearable-00 at noon", "a:1:2", "a:1:2"), 0), NOW));
    assertTrue(syntax.getMessage().startsWith("Invalid value 'wearable-00 at noon' for choice 3: use "
        + "DEVICE:START_MS:END_MS"), syntax.getMessage());
    var number = assertThrows(QueryForms.InvalidForm.class, () -> QueryForms.range(2, "a:noon:2"));
    assertTrue(number.getMessage().startsWith("Invalid value 'a:noon:2' for choice 2: START_MS and END_MS"),
        number.getMessage());
  }

  @Test
  void alertsBecomeStandingQueriesAndCancelsNameThem() {
    Query q = QueryForms.standing("s-1", new QueryForms.StandingForm("cup", 0.4f, List.of("wearable-01")), NOW);
    assertEquals("cup", q.getStanding().getText());
    assertEquals(0.4f, q.getStanding().getThreshold());
    assertEquals(List.of("wearable-01"), q.getStanding().getDeviceIdsList());
    Query cancel = QueryForms.cancel(new QueryForms.CancelForm("s-1"), NOW);
    assertEquals("s-1", cancel.getQueryId());
    assertTrue(cancel.hasCancel());
    assertThrows(QueryForms.InvalidForm.class, () -> QueryForms.cancel(new QueryForms.CancelForm(" "), NOW));
  }
}
