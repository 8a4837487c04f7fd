package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** Overrides of the Secret's key names; an unset key uses the CloudNativePG/Crunchy default. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretKeys {
  private static final String KEY = "^[-._a-zA-Z0-9]+$";

  @Pattern(KEY)
  @JsonPropertyDescription("Key of a postgresql:// URI (default uri).")
  public String uri;

  @Pattern(KEY)
  @JsonPropertyDescription("Key of the host (default host).")
  public String host;

  @Pattern(KEY)
  @JsonPropertyDescription("Key of the port (default port).")
  public String port;

  @Pattern(KEY)
  @JsonPropertyDescription("Key of the database name (default dbname).")
  public String dbname;

  @Pattern(KEY)
  @JsonPropertyDescription("Key of the user name (default user, then username).")
  public String user;

  @Pattern(KEY)
  @JsonPropertyDescription("Key of the password (default password).")
  public String password;
}
