package dev.flywheel.lakehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;

/** The embedded session's {@code file:} paths: Hadoop's answers, without its child processes. */
class NioLocalFileSystemTest {
  private final Configuration conf = SharedSpark.session().sparkContext().hadoopConfiguration();
  private final java.nio.file.Path dir = SharedSpark.home().root().resolve("nio-fs");

  @Test
  void theSessionsFileSystemsAreTheProcessFreeOnes() throws Exception {
    assertInstanceOf(NioLocalFileSystem.class, FileSystem.get(dir.toUri(), conf));
    assertInstanceOf(NioLocalFileSystem.Fs.class,
        FileContext.getFileContext(dir.toUri(), conf).getDefaultFileSystem());
  }

  /** The same link status as Hadoop's own class gives (its readlink of a qualified path finds no link). */
  @Test
  void permissionsAndLinkStatusAreHadoops() throws Exception {
    Files.createDirectories(dir);
    java.nio.file.Path file = Files.writeString(dir.resolve("data.txt"), "x", StandardCharsets.UTF_8);
    java.nio.file.Path link = dir.resolve("link.txt");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, file);
    FileSystem fs = FileSystem.get(dir.toUri(), conf);

    fs.setPermission(new Path(file.toUri()), new FsPermission((short) 0640));
    assertEquals(PosixFilePermissions.fromString("rw-r-----"), Files.getPosixFilePermissions(file));

    RawLocalFileSystem hadoops = new RawLocalFileSystem();
    hadoops.initialize(dir.toUri(), conf);
    for (java.nio.file.Path path : new java.nio.file.Path[] {file, link}) {
      FileStatus ours = fs.getFileLinkStatus(new Path(path.toUri()));
      FileStatus theirs = hadoops.getFileLinkStatus(new Path(path.toUri()));
      assertEquals(theirs.isSymlink(), ours.isSymlink(), path.toString());
      assertEquals(theirs.isFile(), ours.isFile(), path.toString());
      assertEquals(theirs.getLen(), ours.getLen(), path.toString());
      assertEquals(theirs.getPath(), ours.getPath(), path.toString());
    }
    assertThrows(FileNotFoundException.class, () -> fs.getFileLinkStatus(new Path(dir.resolve("absent").toUri())));
  }

  @Test
  void aFileContextRenameStillRefusesToOverwrite() throws Exception {
    Files.createDirectories(dir);
    java.nio.file.Path from = Files.writeString(dir.resolve("from.json"), "a", StandardCharsets.UTF_8);
    java.nio.file.Path to = Files.writeString(dir.resolve("to.json"), "b", StandardCharsets.UTF_8);
    FileContext context = FileContext.getFileContext(dir.toUri(), conf);

    assertThrows(org.apache.hadoop.fs.FileAlreadyExistsException.class,
        () -> context.rename(new Path(from.toUri()), new Path(to.toUri()), Options.Rename.NONE));
    assertEquals("b", Files.readString(to));
    Files.delete(to);
    context.rename(new Path(from.toUri()), new Path(to.toUri()), Options.Rename.NONE);
    assertEquals("a", Files.readString(to));
  }
}
