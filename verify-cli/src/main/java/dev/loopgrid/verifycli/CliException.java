package dev.loopgrid.verifycli;

/** Ends a command with an exit code and a one-line message. */
class CliException extends Exception {
    private static final long serialVersionUID = 1L;
    /** Exit code of a verification failure: the receipt, the log or the checkpoint is not what it should be. */
    static final int INVALID = 1;
    /** Exit code of a usage error or an I/O failure: nothing was verified either way. */
    static final int USAGE = 2;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }

    static CliException invalid(String message) {
        return new CliException(INVALID, message);
    }

    static CliException usage(String message) {
        return new CliException(USAGE, message);
    }
}
