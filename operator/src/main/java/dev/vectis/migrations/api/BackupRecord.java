package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupRecord {
  @JsonPropertyDescription("Where the dump is: <pvc>:<path>.")
  public String location;

  @JsonPropertyDescription("Version table rows the dump was taken at.")
  public String revision;

  @JsonPropertyDescription("Size of the dump in bytes.")
  public Long sizeBytes;

  @JsonPropertyDescription("SHA-256 of the dump, hex.")
  public String sha256;

  @JsonPropertyDescription("RFC 3339.")
  public String completedAt;

  @JsonPropertyDescription("The generation it was taken for; a downgrade needs one of its own.")
  public Long generation;
}
