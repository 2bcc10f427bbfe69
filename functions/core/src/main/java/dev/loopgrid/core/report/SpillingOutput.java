package dev.loopgrid.core.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Bytes kept in memory up to a limit, then in a temporary file: an export is written once, and answered
 * inline when it stayed small or uploaded from the file when it did not. {@link #close} deletes the file.
 */
public final class SpillingOutput extends OutputStream implements AutoCloseable {
    private final long inlineLimit;
    private ByteArrayOutputStream memory = new ByteArrayOutputStream(8192);
    private Path file;
    private OutputStream fileOut;
    private long size;

    public SpillingOutput(long inlineLimit) {
        this.inlineLimit = inlineLimit;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (fileOut == null && size + len > inlineLimit) {
            file = Files.createTempFile("loopgrid-export-", ".tmp");
            fileOut = new java.io.BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
            memory.writeTo(fileOut);
            memory = null;
        }
        if (fileOut != null) fileOut.write(b, off, len);
        else memory.write(b, off, len);
        size += len;
    }

    @Override
    public void flush() throws IOException {
        if (fileOut != null) fileOut.flush();
    }

    /** Bytes written. */
    public long size() { return size; }

    /** Whether everything fit in memory. */
    public boolean inline() { return fileOut == null; }

    /** The bytes, when {@link #inline()}. */
    public byte[] bytes() {
        if (!inline()) throw new IllegalStateException("spilled to " + file);
        return memory.toByteArray();
    }

    /** The file holding the bytes (flushed), when not {@link #inline()}. */
    public Path file() {
        if (inline()) throw new IllegalStateException("in memory");
        try {
            fileOut.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    @Override
    public void close() {
        try {
            if (fileOut != null) fileOut.close();
            if (file != null) Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
