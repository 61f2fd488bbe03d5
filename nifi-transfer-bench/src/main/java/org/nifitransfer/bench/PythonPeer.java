package org.nifitransfer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Python peers ({@code nifi-transfer-bench/python/*.py}) with Debian's {@code /usr/bin/python3} and reads
 * the one JSON line each prints last. When the interpreter or one of its modules is missing, {@link #missing()}
 * says which, and every peer cell says so instead of a figure.
 */
final class PythonPeer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String python;
    private final Path scripts;
    private final int threads;
    private final String missing;

    PythonPeer(final String python, final Path scripts, final int threads) {
        this.python = python;
        this.scripts = scripts;
        this.threads = threads;
        this.missing = check();
    }

    /** Null when the peers can run, else what is missing (e.g. "python3-torch not installed"). */
    String missing() {
        return missing;
    }

    private String check() {
        if (!Files.isExecutable(Path.of(python))) {
            return python + " not found";
        }
        if (!Files.isDirectory(scripts)) {
            return "peer scripts not found in " + scripts;
        }
        final List<String> absent = new ArrayList<>();
        for (final String[] module : new String[][] {{"numpy", "python3-numpy"}, {"PIL", "python3-pil"}, {"torch", "python3-torch"}}) {
            try {
                final Process process = new ProcessBuilder(python, "-c", "import " + module[0]).redirectErrorStream(true).start();
                process.getInputStream().readAllBytes();
                if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    absent.add(module[1]);
                }
            } catch (final IOException e) {
                return "cannot run " + python + ": " + e.getMessage();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
        return absent.isEmpty() ? null : String.join(", ", absent) + " not installed (apt-get install -y " + String.join(" ", absent) + ")";
    }

    /** The result of one peer run: its JSON, or why there is none. */
    record Result(JsonNode json, String error) {
        Double number(final String field) {
            return json != null && json.hasNonNull(field) ? json.get(field).asDouble() : null;
        }

        String text(final String field) {
            return json != null && json.hasNonNull(field) ? json.get(field).asText() : "?";
        }

        /** The figure's cell note: the error, or null. */
        String note() {
            return error;
        }
    }

    /** Runs {@code script} with {@code args} plus {@code --threads N}; its stderr goes to ours. */
    Result run(final String script, final List<String> args) {
        if (missing != null) {
            return new Result(null, missing);
        }
        final List<String> command = new ArrayList<>(List.of(python, scripts.resolve(script).toString(), "--threads", Integer.toString(threads)));
        command.addAll(args);
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        builder.environment().put("MKL_NUM_THREADS", Integer.toString(threads));
        return jsonResult(builder, script, "");
    }

    /**
     * Runs {@code builder} (stderr to ours) and reads the JSON after {@code prefix} on the last stdout line that starts
     * with it; a failure or a missing line becomes the result's error, named by {@code name}.
     */
    static Result jsonResult(final ProcessBuilder builder, final String name, final String prefix) {
        try {
            final Process process = builder.redirectError(ProcessBuilder.Redirect.INHERIT).start();
            final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
            if (process.exitValue() != 0) {
                return new Result(null, name + " failed (exit " + process.exitValue() + ")");
            }
            final List<String> lines = out.strip().lines().filter(line -> line.startsWith(prefix)).toList();
            if (lines.isEmpty()) {
                return new Result(null, name + " printed no result");
            }
            return new Result(JSON.readTree(lines.getLast().substring(prefix.length())), null);
        } catch (final IOException e) {
            return new Result(null, name + ": " + e.getMessage());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(null, "interrupted");
        }
    }
}
