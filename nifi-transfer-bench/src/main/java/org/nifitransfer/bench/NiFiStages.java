package org.nifitransfer.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the stages that need a real NiFi: {@code org.nifitransfer.e2e.PipelineBenchmark} from the e2e module's test
 * classpath, through Maven (as {@code run.sh} runs the main job), against the NiFi home the build assembled. Each NiFi
 * it starts runs on 127.0.0.1 with DJL offline.
 */
final class NiFiStages {

    private final Path repo;

    NiFiStages(final Path repo) {
        this.repo = repo;
    }

    /** Runs {@code mode} (pipeline, memory or classify) with {@code args}; its progress goes to our stderr. */
    PythonPeer.Result run(final String mode, final List<String> args) {
        final Path e2e = repo.resolve("nifi-transfer-e2e");
        final Path home = e2e.resolve("target/nifi-home");
        if (!Files.isDirectory(home.resolve("extensions"))) {
            return new PythonPeer.Result(null, "no NiFi home in " + home + ": ./bench.sh builds it (./mvnw install -DskipTests)");
        }
        final List<String> command = new ArrayList<>(List.of(repo.resolve("mvnw").toString(), "-q", "-B",
                "org.codehaus.mojo:exec-maven-plugin:3.5.0:java", "-Dexec.classpathScope=test",
                "-Dexec.mainClass=org.nifitransfer.e2e.PipelineBenchmark", "-Djava.awt.headless=true",
                "-Dtransfer.nifi.home=" + home, "-Dtransfer.nifi.logs=" + e2e.resolve("target/nifi-logs"),
                "-Dexec.args=" + mode + " --project " + repo + " " + String.join(" ", args)));
        final ProcessBuilder builder = new ProcessBuilder(command).directory(e2e.toFile());
        builder.environment().put("DJL_OFFLINE", "true");
        builder.environment().put("OPT_OUT_TRACKING", "true");
        return PythonPeer.jsonResult(builder, "PipelineBenchmark " + mode, "BENCH-RESULT ");
    }
}
