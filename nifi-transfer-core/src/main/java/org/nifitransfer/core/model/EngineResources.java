package org.nifitransfer.core.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import java.lang.reflect.Field;
import java.util.Map;

/**
 * Diagnostics: how many managers and arrays are still attached to an engine's root manager. Every
 * {@code NDManager}, model and predictor registers there while open, so a number that keeps growing across runs
 * is a native-memory leak.
 */
public final class EngineResources {

    private EngineResources() {
    }

    /** The number of resources attached to {@code engineName}'s root manager. */
    public static int live(final String engineName) {
        try (NDManager probe = Engine.getEngine(engineName).newBaseManager()) {
            final NDManager root = probe.getParentManager();
            final Field resources = BaseNDManager.class.getDeclaredField("resources");
            resources.setAccessible(true);
            // the probe itself is one of them while open
            return ((Map<?, ?>) resources.get(root)).size() - 1;
        } catch (final ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("Cannot count " + engineName + " resources: " + e, e);
        }
    }
}
