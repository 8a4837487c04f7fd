package dev.vectis.migrations.reconciler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test harness: a TCP proxy between one client and the test API server that a test can sever,
 * as a network partition or a killed process would: every open connection (requests, watches)
 * is cut and new ones are refused. A client behind it can then neither renew a Lease nor act;
 * unlike a graceful stop, nothing it would do on the way out reaches the server.
 */
final class SeverableProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final String targetHost;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean severed;

  SeverableProxy(String targetUrl) throws IOException {
    URI target = URI.create(targetUrl);
    targetHost = target.getHost();
    targetPort = target.getPort();
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "severable-proxy-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The URL a client uses to reach the server through this proxy. */
  String url() {
    return "http://127.0.0.1:" + listener.getLocalPort();
  }

  private void accept() {
    while (!severed) {
      try {
        Socket client = listener.accept();
        if (severed) {
          client.close();
          return;
        }
        Socket server = new Socket(targetHost, targetPort);
        sockets.add(client);
        sockets.add(server);
        pump(client, server);
        pump(server, client);
      } catch (IOException e) {
        if (!severed) {
          sever();
          throw new IllegalStateException("proxy failed", e);
        }
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread thread = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int read;
        while (!severed && (read = in.read(buffer)) >= 0) {
          out.write(buffer, 0, read);
          out.flush();
        }
      } catch (IOException e) {
        // a closed side ends this direction
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "severable-proxy-pump");
    thread.setDaemon(true);
    thread.start();
  }

  /** Cuts every connection and refuses new ones, at once and for good. */
  void sever() {
    severed = true;
    closeQuietly(listener);
    for (Socket socket : sockets) {
      closeQuietly(socket);
    }
  }

  boolean severed() {
    return severed;
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // already closed
    }
  }

  @Override
  public void close() {
    sever();
  }
}
