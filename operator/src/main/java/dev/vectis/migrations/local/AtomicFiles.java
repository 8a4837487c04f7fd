package dev.vectis.migrations.local;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Files replaced all or nothing: written beside the old one, then renamed over it. */
final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * @param durable whether the bytes are forced to disk before the rename (state that must
   *     survive a crash; a cache entry need not)
   */
  static void replace(Path file, byte[] content, boolean durable) throws IOException {
    Files.createDirectories(file.getParent());
    Path temporary = Files.createTempFile(file.getParent(), "." + file.getFileName() + "-",
        ".tmp");
    try {
      Files.write(temporary, content);
      if (durable) {
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
          channel.force(true);
        }
      }
      try {
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temporary);
    }
  }
}
