package io.egostream.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EgoClipCsvTest {

  @TempDir Path dir;

  @Test
  void writtenClipsReadBackEqual() throws IOException {
    List<NarratedClip> clips = List.of(
        new NarratedClip("synth-s0-00001", 0.5, 3.25, "#C C picks up the red cup", List.of("pick up"), List.of("cup")),
        new NarratedClip("synth-s0-00001", 3.75, 7.1, "#C C says \"hi\"\twith a tab", List.of("it's"), List.of()));
    Path file = dir.resolve("egoclip_train.csv");
    EgoClipCsv.write(file, clips);

    ReadResult<NarratedClip> read = EgoClipCsv.read(file);

    assertEquals(clips, read.items());
    assertTrue(read.rejected().isEmpty());
    assertTrue(Files.readAllLines(file).get(1).endsWith("['pick up']\t['cup']"), "tags are word lists");
  }

  /** The real egoclip.csv: tab-separated, more columns, tags as taxonomy indices, pandas' quoting. */
  @Test
  void readsTheRealEgoClipLayout() throws IOException {
    Path file = dir.resolve("egoclip.csv");
    Files.writeString(file, String.join("\n",
        "video_uid\tvideo_dur\tnarration_source\tnarration_ind\tnarration_time\tclip_start\tclip_end\tclip_text"
            + "\ttag_verb\ttag_noun",
        "002ad105-bd9a-4858-953e-54e88dc7587e\t1200.0\tnarration_pass_1\t0\t8.2467\t7.840355\t8.653045"
            + "\t#C C picks a bag of clothes from the floor\t[93]\t[192, 115]",
        "002ad105-bd9a-4858-953e-54e88dc7587e\t1200.0\tnarration_pass_1\t1\t-0.1\t-0.2\t0.6"
            + "\t\"#C C drops \"\"the\"\" bag\"\t[28]\t[115]",
        "broken\t1\tx\t2\t3\tnot-a-number\t4\t#C C waves\t[1]\t[2]",
        ""));

    ReadResult<NarratedClip> read = EgoClipCsv.read(file);

    assertEquals(2, read.items().size());
    NarratedClip first = read.items().get(0);
    assertEquals("002ad105-bd9a-4858-953e-54e88dc7587e", first.videoUid());
    assertEquals(7.840355, first.clipStart());
    assertEquals(8.653045, first.clipEnd());
    assertEquals("#C C picks a bag of clothes from the floor", first.clipText());
    assertEquals(List.of("93"), first.tagVerb());
    assertEquals(List.of("192", "115"), first.tagNoun());
    assertEquals("#C C drops \"the\" bag", read.items().get(1).clipText());
    assertEquals(-0.2, read.items().get(1).clipStart(), "negative starts are kept; evaluation clamps them");
    assertEquals(List.of(new Rejected("line 4", "clip_start \"not-a-number\" is not a number of seconds")),
        read.rejected());
  }

  @Test
  void commaSeparatedWithOnlyTheNeededColumns() throws IOException {
    Path file = dir.resolve("clips.csv");
    Files.writeString(file, "clip_text,video_uid,clip_start,clip_end\n\"#C C opens the box, slowly\",v1,1,2\n");

    NarratedClip clip = EgoClipCsv.read(file).items().get(0);

    assertEquals(new NarratedClip("v1", 1, 2, "#C C opens the box, slowly", List.of(), List.of()), clip);
    assertEquals("opens", clip.verbKey(), "without tags, the verb comes from the narration");
  }

  @Test
  void aMissingColumnIsNamed() throws IOException {
    Path file = dir.resolve("clips.csv");
    Files.writeString(file, "video_uid\tclip_start\tclip_text\nv1\t1\t#C C x\n");

    IOException e = assertThrows(IOException.class, () -> EgoClipCsv.read(file));

    assertTrue(e.getMessage().contains("no column clip_end"), e.getMessage());
  }

  @Test
  void tagListsInEveryNotation() {
    assertEquals(List.of("93"), TagList.parse("[93]"));
    assertEquals(List.of("pick up", "cup"), TagList.parse("['pick up', \"cup\"]"));
    assertEquals(List.of("pick up"), TagList.parse("pick up"));
    assertEquals(List.of(), TagList.parse("[]"));
    assertEquals(List.of(), TagList.parse(""));
    assertEquals(List.of("it's"), TagList.parse(TagList.format(List.of("it's"))));
    assertThrows(IllegalArgumentException.class, () -> TagList.parse("['open"));
  }
}
