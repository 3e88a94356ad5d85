package dev.flywheel.lakehouse;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFs;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FsServerDefaults;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.local.LocalConfigKeys;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system ({@code file:}) without a child process per call. Without Hadoop's native
 * library, Hadoop 3.3's {@link RawLocalFileSystem} runs {@code readlink} for every link status and {@code chmod}
 * for every permission it sets. Every Delta commit (the log store's and the checksum's create-and-rename) and
 * every streaming checkpoint file ask for both: about eleven processes per commit, each about 8 ms of CPU on the
 * machine this was measured on (README, "Tests"). These classes answer the same two questions with
 * {@code java.nio}. Everything else, and every symbolic link, stays Hadoop's own code.
 * {@link SparkSessions#getOrCreate} installs them for {@code file:} paths in local mode only, unless the caller set
 * {@code fs.file.impl}; a cluster's HDFS or object store is untouched.
 */
public final class NioLocalFileSystem extends LocalFileSystem {
  /** {@code fs.file.impl}: the checksummed local {@code FileSystem} over {@link Raw}. */
  public NioLocalFileSystem() {
    super(new Raw());
  }

  /** The raw local file system with the two process-free answers. */
  public static final class Raw extends RawLocalFileSystem {
    /**
     * Hadoop's answer for a regular file or directory is its {@link #getFileStatus} (after a {@code readlink}
     * that finds no link); a symbolic link still goes through Hadoop's own code.
     */
    @Override
    public FileStatus getFileLinkStatus(Path path) throws IOException {
      if (Files.isSymbolicLink(pathToFile(path).toPath())) {
        return super.getFileLinkStatus(path);
      }
      return getFileStatus(path);
    }

    /** POSIX permissions through {@code java.nio}; a sticky bit or a non-POSIX disk goes to Hadoop's chmod. */
    @Override
    public void setPermission(Path path, FsPermission permission) throws IOException {
      if (permission.getStickyBit() || !FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        super.setPermission(path, permission);
        return;
      }
      Files.setPosixFilePermissions(pathToFile(path).toPath(), PosixFilePermissions.fromString(
          permission.getUserAction().SYMBOL + permission.getGroupAction().SYMBOL
              + permission.getOtherAction().SYMBOL));
    }
  }

  /**
   * {@code fs.AbstractFileSystem.file.impl}: what {@code FileContext} (Delta's {@code HDFSLogStore}, Spark's
   * streaming checkpoints) uses for {@code file:}, like Hadoop's {@code LocalFs} but over {@link Raw}.
   */
  public static final class Fs extends ChecksumFs {
    /** The constructor Hadoop's {@code AbstractFileSystem.createFileSystem} calls. */
    public Fs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(new RawFs(uri, conf));
    }
  }

  /** Hadoop's {@code RawLocalFs} over {@link Raw}. */
  private static final class RawFs extends DelegateToFileSystem {
    RawFs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new Raw(), conf, "file", false);
    }

    @Override
    public int getUriDefaultPort() {
      return -1;
    }

    @Override
    @SuppressWarnings("deprecation")
    public FsServerDefaults getServerDefaults() throws IOException {
      return LocalConfigKeys.getServerDefaults();
    }

    @Override
    public FsServerDefaults getServerDefaults(Path path) throws IOException {
      return LocalConfigKeys.getServerDefaults();
    }

    @Override
    public boolean isValidName(String src) {
      return true;
    }
  }
}
