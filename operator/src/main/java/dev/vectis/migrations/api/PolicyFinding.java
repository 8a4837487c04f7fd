package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PolicyFinding {
  @JsonPropertyDescription("The lint rule, e.g. not-null-without-default.")
  public String rule;

  @JsonPropertyDescription("deny (stops the migration unless waived) or warn.")
  public String severity;

  @JsonPropertyDescription("The revision it is in; absent for the history as a whole.")
  public String revision;

  @JsonPropertyDescription("The revision file, relative to spec.alembic.workingDir.")
  public String file;

  @JsonPropertyDescription("The line of the operation in that file.")
  public Integer line;

  @JsonPropertyDescription("What is wrong and what to do.")
  public String message;

  @JsonPropertyDescription("The reason a waiver comment in the revision gives, when waived.")
  public String waived;
}
