package org.nifitransfer.core.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * What the source a TorchScript archive carries ({@code code/__torch__/...py}) says about how the base runs.
 *
 * <p>A base exported with {@code torch.jit.trace} in inference mode has its BatchNorm calls frozen into the code:
 * {@code torch.batch_norm(x, weight, bias, running_mean, running_var, False, ...)}, with <em>training</em> a constant.
 * Such a base ignores training mode, so its running statistics never update however it is run. A base exported with
 * {@code torch.jit.script} passes {@code training} (a variable) and follows the mode.
 *
 * <pre>{@code
 * if (TorchScriptCode.batchNormFixedToInference(Path.of("mobilenet_v2_features.pt"))) {
 *     // "Update BatchNorm Statistics" can have no effect with this base
 * }
 * }</pre>
 */
public final class TorchScriptCode {

    /** A {@code torch.batch_norm} call and its sixth argument, {@code training}. */
    private static final Pattern BATCH_NORM = Pattern.compile("torch\\.batch_norm\\(\\s*(?:[^,()]+,\\s*){5}([^,()\\s]+)\\s*,");

    private TorchScriptCode() {
    }

    /**
     * Whether the archive's code calls BatchNorm and every call has <em>training</em> fixed to {@code False}: the base
     * was traced in inference mode, and its BatchNorm statistics cannot update. False for a base without BatchNorm, a
     * scripted base, and any file that is not a readable TorchScript archive (which loading reports on its own).
     *
     * @param archive the TorchScript file
     * @return whether BatchNorm is fixed to inference mode
     */
    public static boolean batchNormFixedToInference(final Path archive) {
        int fixed = 0;
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            for (final Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                final ZipEntry entry = entries.nextElement();
                if (entry.isDirectory() || !entry.getName().endsWith(".py") || !entry.getName().contains("/code/")) {
                    continue;
                }
                final String code;
                try (InputStream in = zip.getInputStream(entry)) {
                    code = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                final Matcher call = BATCH_NORM.matcher(code);
                while (call.find()) {
                    if (!call.group(1).equals("False")) {
                        return false;
                    }
                    fixed++;
                }
            }
        } catch (final IOException e) {
            return false;
        }
        return fixed > 0;
    }
}
