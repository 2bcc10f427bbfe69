package dev.loopgrid.verifycli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.verify.Checkpoint;
import dev.loopgrid.verify.NoteSigner;
import dev.loopgrid.verify.NoteVerifier;
import dev.loopgrid.verify.Receipt;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code java -jar loopgrid-verify.jar receipt|monitor|audit|cosigner-key …}: the offline verifier of LoopGrid's
 * verifiable log (docs/verifier.md). Exit 0 when everything verified, 1 when something did not (the message says
 * what), 2 on a usage or I/O error (nothing was verified either way).
 */
public final class Main {
    static final String USAGE = String.join("\n",
            "usage: java -jar loopgrid-verify.jar <command> …",
            "  receipt FILE|- --key KEY [--origin ORIGIN] [--decision DECISION.json]",
            "      verify a receipt offline: entry hash, leaf data, inclusion proof, checkpoint signature and origin",
            "  monitor --url URL --key KEY --state DIR [--api-key K] [--tenant-origin ORIGIN] [--cosign SKEYFILE]",
            "      check the log's latest checkpoint against the one kept in DIR (consistency, rollback, fork)",
            "  audit --url URL --key KEY [--api-key K] [--tenant-origin ORIGIN]",
            "      rebuild the signed root from every entry bundle and check every envelope and chain link",
            "  cosigner-key --name NAME --out SKEYFILE",
            "      make a monitor's cosigning key (prints its verifier key)",
            "KEY is the log's verifier key (GET /v1/log/key) or @FILE holding it.",
            "exit status: 0 valid, 1 invalid (the message says what failed), 2 usage or I/O error");
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command, printing its verdict to {@code out} (success) or {@code err}, and returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length == 0 || Set.of("-h", "--help", "help").contains(args[0])) {
                if (args.length == 0) throw CliException.usage("no command");
                out.println(USAGE);
                return 0;
            }
            List<String> rest = Arrays.asList(args).subList(1, args.length);
            switch (args[0]) {
                case "receipt" -> receipt(Args.parse(rest, Set.of("key", "origin", "decision")), out);
                case "monitor" -> monitor(Args.parse(rest, Set.of("url", "key", "state", "api-key", "tenant-origin", "cosign")), out);
                case "audit" -> audit(Args.parse(rest, Set.of("url", "key", "api-key", "tenant-origin")), out);
                case "cosigner-key" -> cosignerKey(Args.parse(rest, Set.of("name", "out")), out);
                default -> throw CliException.usage("unknown command \"" + args[0] + "\"");
            }
            return 0;
        } catch (CliException e) {
            err.println(e.getMessage());
            if (e.exitCode() == CliException.USAGE && isUsage(e)) err.println(USAGE);
            return e.exitCode();
        } catch (RuntimeException e) {
            err.println("ERROR: " + e);
            return CliException.USAGE;
        }
    }

    private static boolean isUsage(CliException e) {
        String m = e.getMessage();
        return m.startsWith("unknown ") || m.startsWith("no command") || m.endsWith("is required") || m.endsWith("needs a value")
                || m.endsWith("given twice") || m.startsWith("receipt takes");
    }

    private static void receipt(Args a, PrintStream out) throws CliException {
        if (a.positional.size() != 1) throw CliException.usage("receipt takes one FILE (or - for standard input)");
        a.require("key");
        NoteVerifier key = Keys.verifier(a.require("key"));
        String file = a.positional.get(0);
        JsonNode json = ReceiptJson.read(readInput(file), "the receipt");
        JsonNode decision = a.get("decision") == null ? null : ReceiptJson.read(readInput(a.get("decision")), "the decision");
        try {
            Receipt r = ReceiptJson.parse(json);
            Checkpoint cp = r.verify(key, a.get("origin"));
            if (decision != null) ReceiptJson.checkDecision(decision, r);
            out.println("VALID: entry " + r.entry().sequence() + " of chain \"" + r.entry().chainId() + "\" (" + r.entry().type()
                    + " " + r.entry().id() + ") is leaf " + r.leafIndex() + " of " + cp.origin() + " at size " + cp.size()
                    + ", checkpoint signed by " + key.name() + "+" + key.keyIdHex()
                    + (decision != null ? "; decision " + r.entry().decisionId() + " matches its content hash" : ""));
        } catch (Receipt.Failure f) {
            throw CliException.invalid("INVALID (" + f.check().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + "): "
                    + f.getMessage());
        }
    }

    private static void monitor(Args a, PrintStream out) throws CliException {
        String url = a.require("url");
        String keyArg = a.require("key");
        a.require("state");
        NoteVerifier key = Keys.verifier(keyArg);
        LogClient client = new LogClient(url, a.get("api-key"), CONNECT_TIMEOUT, REQUEST_TIMEOUT);
        NoteSigner cosigner = a.get("cosign") == null ? null
                : Keys.cosigner(Path.of(a.get("cosign")), () -> System.currentTimeMillis() / 1000);
        new Monitor(client, key, a.get("tenant-origin"), Path.of(a.require("state")), cosigner, out).run();
    }

    private static void audit(Args a, PrintStream out) throws CliException {
        String url = a.require("url");
        NoteVerifier key = Keys.verifier(a.require("key"));
        LogClient client = new LogClient(url, a.get("api-key"), CONNECT_TIMEOUT, REQUEST_TIMEOUT);
        new Audit(client, key, a.get("tenant-origin"), out).run();
    }

    private static void cosignerKey(Args a, PrintStream out) throws CliException {
        String name = a.require("name");
        Path file = Path.of(a.require("out"));
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        String skey = Keys.cosignerSkey(name, seed);
        try {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
            Files.writeString(file, skey + "\n", StandardCharsets.UTF_8);
        } catch (FileAlreadyExistsException e) {
            throw CliException.usage(file + " already exists; not overwriting a key");
        } catch (IOException e) {
            throw CliException.usage("cannot write " + file + ": " + e.getMessage());
        }
        out.println(Keys.cosigner(file, () -> 0).verifier().vkey());
    }

    private static byte[] readInput(String file) throws CliException {
        try {
            return file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
        } catch (IOException e) {
            throw CliException.usage("cannot read " + file + ": " + e);
        }
    }
}
