package dev.vectis.migrations.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SecretMaskerTest {
  private final SecretMasker masker = SecretMasker.hiding(List.of("s3cr3t/pw@x"));

  @Test
  void passwordInsideAUrl() {
    assertThat(SecretMasker.generic().mask(
        "connecting to postgresql+psycopg2://app:hunter2@db:5432/shop failed"))
        .isEqualTo("connecting to postgresql+psycopg2://app:***@db:5432/shop failed");
  }

  @Test
  void knownValueAndItsUrlEncodingAnywhere() {
    assertThat(masker.mask("pw is s3cr3t/pw@x, encoded s3cr3t%2Fpw%40x"))
        .isEqualTo("pw is ***, encoded ***");
  }

  @Test
  void libpqConninfoAndEnvironment() {
    assertThat(SecretMasker.generic().mask(
        "could not connect: host=db user=app password=hunter2 dbname=shop; PGPASSWORD=hunter2"))
        .isEqualTo("could not connect: host=db user=app password=*** dbname=shop; PGPASSWORD=***");
    assertThat(SecretMasker.generic().mask("password: 'hunter 2'")).isEqualTo("password: ***");
  }

  @Test
  void alembicAndSqlAlchemyOutput() {
    String output = """
        INFO  [alembic.runtime.migration] Running upgrade  -> 0f5e1c2d3a4b, initial_schema
        sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at \
        "db" (10.0.0.5), port 5432 failed: FATAL:  password authentication failed for user "app"
        (Background on this error at: https://sqlalche.me/e/14/e3q8)
        url was postgresql://app:s3cr3t%2Fpw%40x@db/shop
        """;
    String masked = masker.mask(output);
    assertThat(masked).doesNotContain("s3cr3t").contains("postgresql://app:***@db/shop")
        .contains("https://sqlalche.me/e/14/e3q8").contains("Running upgrade  -> 0f5e1c2d3a4b");
  }

  @Test
  void nullAndPlainTextPassThrough() {
    assertThat(masker.mask(null)).isNull();
    assertThat(masker.mask("nothing to hide")).isEqualTo("nothing to hide");
  }

  /** configparser and SQLAlchemy print a % in a URL doubled: that form is a secret too. */
  @Test
  void aPasswordWithPercentSignsAsAlembicPrintsIt() {
    SecretMasker masker = SecretMasker.hiding(java.util.List.of("p%40ss/w:rd"));
    String encoded = java.net.URLEncoder.encode("p%40ss/w:rd", java.nio.charset.StandardCharsets.UTF_8);
    assertThat(masker.mask("url " + encoded.replace("%", "%%") + " and p%%40ss/w:rd"))
        .isEqualTo("url *** and ***");
  }
}
