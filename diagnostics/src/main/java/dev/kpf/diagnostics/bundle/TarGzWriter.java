package dev.kpf.diagnostics.bundle;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;

/**
 * Writes a gzip-compressed POSIX tar archive of regular files through commons-compress: names of any length (PAX
 * headers, as GNU and BSD tar read them), mode 0644, one modification time.
 */
final class TarGzWriter implements AutoCloseable {
    private final TarArchiveOutputStream tar;
    private final Instant mtime;

    TarGzWriter(OutputStream target, Instant mtime) throws IOException {
        this.tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(target), "UTF-8");
        this.tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        this.tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        this.tar.setAddPaxHeadersForNonAsciiNames(true);
        this.mtime = mtime;
    }

    void add(String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        e.setMode(0100644);
        e.setModTime(java.nio.file.attribute.FileTime.from(mtime));
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
