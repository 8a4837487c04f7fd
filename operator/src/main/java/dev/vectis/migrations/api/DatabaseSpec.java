package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.secretRef) != has(self.cnpgCluster)",
    message = "exactly one of database.secretRef and database.cnpgCluster must be set")
public class DatabaseSpec {
  @JsonPropertyDescription("Secret holding the connection settings. Keys default to the "
      + "CloudNativePG/Crunchy layout: uri, or host, port, dbname, user (or username), password.")
  public SecretRef secretRef;

  @Pattern(ApiPatterns.DNS1123_SUBDOMAIN)
  @Size(max = 249)
  @JsonPropertyDescription("CloudNativePG cluster name: shortcut for secretRef <cluster>-app.")
  public String cnpgCluster;

  @Size(max = 253)
  @JsonPropertyDescription("Database host when the Secret does not hold one (Zalando layout).")
  public String host;

  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Database port when the Secret does not hold one; default 5432.")
  public Integer port;

  @Size(max = 63)
  @JsonPropertyDescription("Database name when the Secret does not hold one.")
  public String dbname;

  @Default("DATABASE_URL")
  @Pattern(ApiPatterns.ENV_VAR_NAME)
  @JsonPropertyDescription("Environment variable through which env.py reads the SQLAlchemy URL.")
  public String urlEnv = "DATABASE_URL";

  @Default("postgresql")
  @Pattern("^postgresql(\\+[a-z0-9_]+)?$")
  @JsonPropertyDescription("SQLAlchemy URL scheme, e.g. postgresql or postgresql+psycopg.")
  public String urlScheme = "postgresql";

  @Default("prefer")
  @JsonPropertyDescription("libpq sslmode for every connection.")
  public SslMode sslMode = SslMode.PREFER;
}
