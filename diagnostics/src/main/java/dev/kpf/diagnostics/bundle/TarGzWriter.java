package dev.kpf.diagnostics.bundle;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Writes a gzip-compressed POSIX ustar archive of regular files (names up to 100 bytes), as tar(1) reads it. */
final class TarGzWriter implements AutoCloseable {
    private static final int BLOCK = 512;
    private final GZIPOutputStream out;
    private final long mtime;
    private boolean closed;

    TarGzWriter(OutputStream target, long mtimeSeconds) throws IOException {
        this.out = new GZIPOutputStream(target);
        this.mtime = mtimeSeconds;
    }

    void add(String name, byte[] content) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100) throw new IllegalArgumentException("tar entry name longer than 100 bytes: " + name);
        byte[] header = new byte[BLOCK];
        System.arraycopy(nameBytes, 0, header, 0, nameBytes.length);
        octal(header, 100, 8, 0644);
        octal(header, 108, 8, 0);
        octal(header, 116, 8, 0);
        octal(header, 124, 12, content.length);
        octal(header, 136, 12, mtime);
        for (int i = 148; i < 156; i++) header[i] = ' ';
        header[156] = '0';
        byte[] magic = "ustar\u000000".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, header, 257, magic.length);
        long sum = 0;
        for (byte b : header) sum += b & 0xff;
        octal(header, 148, 7, sum);
        out.write(header);
        out.write(content);
        int pad = (BLOCK - content.length % BLOCK) % BLOCK;
        out.write(new byte[pad]);
    }

    private static void octal(byte[] header, int offset, int length, long value) {
        String s = Long.toOctalString(value);
        s = "0".repeat(Math.max(0, length - 1 - s.length())) + s;
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, Math.min(bytes.length, length - 1));
        header[offset + length - 1] = 0;
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        out.write(new byte[BLOCK * 2]);
        out.close();
    }
}
