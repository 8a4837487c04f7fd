package dev.vectis.migrations.database;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes passwords from any text before it reaches a log, a status, an Event or an exception
 * message: the user-info of URLs, {@code password=} settings, and every known secret value
 * (as is and URL-encoded).
 */
public final class SecretMasker {
  public static final String MASK = "***";

  private static final Pattern URL_USER_INFO =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)([^/\\s:@]*):([^@\\s/]*)@");
  private static final Pattern PASSWORD_SETTING = Pattern.compile(
      "(?i)\\b(password|passwd|pgpassword)(\\s*[=:]\\s*)('[^']*'|\"[^\"]*\"|[^\\s,;&)]+)");

  private final List<String> secrets;

  private SecretMasker(List<String> secrets) {
    this.secrets = secrets;
  }

  /** A masker that also hides these values wherever they appear. */
  public static SecretMasker hiding(Collection<String> secretValues) {
    List<String> secrets = new ArrayList<>();
    for (String value : secretValues) {
      if (value != null && value.length() >= 3) {
        String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8);
        // As is, URL-encoded, and with % doubled as configparser and SQLAlchemy print it.
        for (String form : List.of(value, encoded, value.replace("%", "%%"),
            encoded.replace("%", "%%"), encoded.replace("+", "%20"))) {
          if (!secrets.contains(form)) {
            secrets.add(form);
          }
        }
      }
    }
    // Longest first, so a secret that contains another is hidden whole.
    secrets.sort((a, b) -> b.length() - a.length());
    return new SecretMasker(List.copyOf(secrets));
  }

  /** A masker that knows no values: it hides URL passwords and password settings. */
  public static SecretMasker generic() {
    return new SecretMasker(List.of());
  }

  public String mask(String text) {
    if (text == null) {
      return null;
    }
    String masked = text;
    for (String secret : secrets) {
      masked = masked.replace(secret, MASK);
    }
    Matcher url = URL_USER_INFO.matcher(masked);
    masked = url.replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + ":" + MASK
        + "@"));
    Matcher setting = PASSWORD_SETTING.matcher(masked);
    return setting.replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + MASK));
  }
}
