package dev.vectis.migrations.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TypeChangeTest {
  @ParameterizedTest(name = "{0} -> {1} keeps every value")
  @CsvSource(delimiter = '|', value = {
      "SMALLINT|INTEGER", "INTEGER|BIGINT", "SMALLINT|BIGINT", "INTEGER|NUMERIC(10, 0)",
      "BIGINT|NUMERIC", "VARCHAR(3)|VARCHAR(8)", "VARCHAR(3)|TEXT", "VARCHAR(200)|VARCHAR",
      "CHAR(2)|VARCHAR(2)", "NUMERIC(12, 2)|NUMERIC(14, 2)", "NUMERIC(12, 2)|NUMERIC(13, 3)",
      "NUMERIC(12, 2)|NUMERIC", "REAL|DOUBLE PRECISION", "TEXT|TEXT",
      "character varying(10)|character varying(20)", "int4|int8", "VARCHAR(10)[]|TEXT[]",
      "TIMESTAMP(3)|TIMESTAMP(6)", "TIMESTAMP(3) WITH TIME ZONE|TIMESTAMP WITH TIME ZONE",
      "VARCHAR(20)|VARCHAR(20) COLLATE \"C\"", "ENUM|TEXT"})
  void widening(String from, String to) {
    assertThat(TypeChange.loss(from, to)).isNull();
  }

  @ParameterizedTest(name = "{0} -> {1} can lose data")
  @CsvSource(delimiter = '|', value = {
      "BIGINT|INTEGER", "INTEGER|SMALLINT", "INTEGER|NUMERIC(5, 0)", "VARCHAR(8)|VARCHAR(3)",
      "TEXT|VARCHAR(200)", "VARCHAR|VARCHAR(10)", "NUMERIC(14, 2)|NUMERIC(12, 2)",
      "NUMERIC(12, 2)|NUMERIC(12, 3)", "NUMERIC|NUMERIC(20, 2)", "DOUBLE PRECISION|REAL",
      "TEXT|INTEGER", "JSON|JSONB", "TIMESTAMP WITHOUT TIME ZONE|TIMESTAMP WITH TIME ZONE",
      "INTEGER|VARCHAR(3)", "TEXT[]|VARCHAR(3)[]", "INTEGER[]|INTEGER", "TIMESTAMP(6)|TIMESTAMP(3)",
      "ENUM|VARCHAR(3)", "BIT(1)|BIT(8)"})
  void narrowingOrReinterpreting(String from, String to) {
    assertThat(TypeChange.loss(from, to)).contains(from).contains(to);
  }

  @ParameterizedTest(name = "from an undeclared type to {0} cannot be judged")
  @CsvSource({"BIGINT", "TEXT"})
  void undeclaredExistingType(String to) {
    assertThat(TypeChange.loss(null, to)).contains("existing_type=");
  }
}
