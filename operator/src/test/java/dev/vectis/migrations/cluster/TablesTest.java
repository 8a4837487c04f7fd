package dev.vectis.migrations.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TablesTest {
  @Test
  void agesAreKubectls() {
    assertThat(Tables.humanDuration(Duration.ofSeconds(45))).isEqualTo("45s");
    assertThat(Tables.humanDuration(Duration.ofSeconds(119))).isEqualTo("119s");
    assertThat(Tables.humanDuration(Duration.ofSeconds(330))).isEqualTo("5m30s");
    assertThat(Tables.humanDuration(Duration.ofMinutes(45))).isEqualTo("45m");
    assertThat(Tables.humanDuration(Duration.ofMinutes(200))).isEqualTo("3h20m");
    assertThat(Tables.humanDuration(Duration.ofHours(30))).isEqualTo("30h");
    assertThat(Tables.humanDuration(Duration.ofHours(77))).isEqualTo("3d5h");
    assertThat(Tables.humanDuration(Duration.ofDays(200))).isEqualTo("200d");
    assertThat(Tables.humanDuration(Duration.ofDays(760))).isEqualTo("2y30d");
    assertThat(Tables.age("bad", Instant.now())).isEqualTo("<none>");
  }

  @Test
  void columnsArePaddedAsKubectlPadsThem() {
    assertThat(Tables.table(List.of("NAME", "READY"), List.of(List.of("vectis-backend", "True"),
        List.of("a", "False")))).isEqualTo("""
        NAME             READY
        vectis-backend   True
        a                False""");
  }

  @Test
  void aMessageIsOneLine() {
    assertThat(Tables.oneLine(" FAILED: x\n  at line 3\r\n")).isEqualTo("FAILED: x at line 3");
  }
}
