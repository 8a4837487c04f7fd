package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AlembicSpec {
  @Size(max = 4096)
  @JsonPropertyDescription("Directory inside the image where alembic is run (the one holding "
      + "alembic.ini). Defaults to the image's working directory.")
  public String workingDir;

  @Default("alembic.ini")
  @Size(min = 1, max = 4096)
  @JsonPropertyDescription("Path of the Alembic configuration file, relative to workingDir.")
  public String config = "alembic.ini";

  @Size(min = 1)
  @JsonPropertyDescription("The alembic executable and any leading arguments.")
  public List<String> command = new ArrayList<>(List.of("alembic"));

  @Default("python3")
  @Size(min = 1, max = 4096)
  @JsonPropertyDescription("Python interpreter in the image; it runs the revision-graph inspection.")
  public String python = "python3";

  @Default("alembic_version")
  @Pattern(ApiPatterns.SQL_IDENTIFIER)
  @JsonPropertyDescription("Alembic's version table (version_table in env.py).")
  public String versionTable = "alembic_version";

  @Pattern(ApiPatterns.SQL_IDENTIFIER)
  @JsonPropertyDescription("Schema of the version table (version_table_schema); default: the "
      + "connection's search_path.")
  public String versionTableSchema;
}
