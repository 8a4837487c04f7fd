package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupSpec {
  @Default("true")
  @JsonPropertyDescription("Take a verified pg_dump before any downgrade. A downgrade never runs "
      + "without one unless this is false.")
  public Boolean beforeDowngrade = true;

  @Pattern(ApiPatterns.DNS1123_SUBDOMAIN)
  @Size(max = 253)
  @JsonPropertyDescription("PersistentVolumeClaim that receives the dumps; default <name>-backups, "
      + "created by the operator and kept when the SchemaMigration is deleted.")
  public String persistentVolumeClaim;

  @Default("10Gi")
  @Pattern(ApiPatterns.QUANTITY)
  @JsonPropertyDescription("Size of the PersistentVolumeClaim the operator creates.")
  public String storageSize = "10Gi";

  @Pattern(ApiPatterns.DNS1123_SUBDOMAIN)
  @Size(max = 253)
  @JsonPropertyDescription("StorageClass of the PersistentVolumeClaim the operator creates; "
      + "default: the cluster's default class.")
  public String storageClassName;

  @Pattern(ApiPatterns.IMAGE)
  @Size(max = 512)
  @JsonPropertyDescription("Image with pg_dump; default postgres:<server major>-alpine.")
  public String image;

  @Default("5")
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("How many dumps of this database to keep; older ones are removed.")
  public Integer retain = 5;
}
