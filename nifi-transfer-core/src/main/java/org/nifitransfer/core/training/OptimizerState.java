package org.nifitransfer.core.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an optimizer keeps between updates — its per-parameter update counts and state arrays (Adam's moments, SGD's
 * momentum, RMSprop's mean squares) — keyed by parameter name, so that a training that resumes after an epoch continues
 * with the state it had. DJL's optimizers keep these in private fields; they are read and written here by reflection on
 * the pinned DJL version (every {@code Map} field of the optimizer's class and of DJL's {@link Optimizer}), and a field
 * of an unexpected shape fails loudly rather than being skipped.
 */
final class OptimizerState {

    /** One state array of one parameter: the optimizer field it belongs to, the parameter's name, its values and shape. */
    record Array(String field, String parameter, float[] values, long[] shape) {
    }

    private final Map<String, Integer> updateCounts;
    private final int numUpdate;
    private final List<Array> arrays;

    OptimizerState(final Map<String, Integer> updateCounts, final int numUpdate, final List<Array> arrays) {
        this.updateCounts = Map.copyOf(updateCounts);
        this.numUpdate = numUpdate;
        this.arrays = List.copyOf(arrays);
    }

    Map<String, Integer> updateCounts() {
        return updateCounts;
    }

    int numUpdate() {
        return numUpdate;
    }

    List<Array> arrays() {
        return arrays;
    }

    /**
     * Reads an optimizer's state.
     *
     * @param names parameter id → parameter name
     */
    static OptimizerState capture(final Optimizer optimizer, final Map<String, String> names) {
        final Map<String, Integer> counts = new LinkedHashMap<>();
        final Map<String, Integer> byId = updateCountsOf(optimizer);
        byId.forEach((id, count) -> counts.put(name(names, id), count));
        final List<Array> arrays = new ArrayList<>();
        for (final Field field : stateFields(optimizer)) {
            for (final Map.Entry<?, ?> entry : map(optimizer, field).entrySet()) {
                final NDArray array = array(entry.getValue(), field);
                arrays.add(new Array(field.getName(), name(names, (String) entry.getKey()), array.toFloatArray(), array.getShape().getShape()));
            }
        }
        return new OptimizerState(counts, (int) read(optimizer, field(Optimizer.class, "numUpdate")), arrays);
    }

    /**
     * Gives an optimizer that has not updated yet the state it had.
     *
     * @param ids parameter name → parameter id in the resumed training
     * @param weights parameter name → the parameter's array, whose manager and device the state arrays join
     */
    void restore(final Optimizer optimizer, final Map<String, String> ids, final Map<String, NDArray> weights) {
        final Map<String, Integer> counts = updateCountsOf(optimizer);
        counts.clear();
        updateCounts.forEach((name, count) -> counts.put(id(ids, name), count));
        write(optimizer, field(Optimizer.class, "numUpdate"), numUpdate);
        final Map<String, Field> fields = new LinkedHashMap<>();
        stateFields(optimizer).forEach(field -> fields.put(field.getName(), field));
        for (final Array array : arrays) {
            final Field field = fields.get(array.field());
            if (field == null) {
                throw new IllegalStateException("The checkpoint holds optimizer state '" + array.field() + "' that "
                        + optimizer.getClass().getSimpleName() + " does not have: it was written by another optimizer");
            }
            final NDArray weight = weights.get(array.parameter());
            if (weight == null) {
                throw new IllegalStateException("The checkpoint holds optimizer state for parameter " + array.parameter()
                        + ", which the model does not have");
            }
            final NDArray value = weight.getManager().create(array.values(), new Shape(array.shape()));
            @SuppressWarnings("unchecked")
            final Map<Object, Object> map = (Map<Object, Object>) map(optimizer, field);
            final boolean perDevice = field.getDeclaringClass() != RmsPropOptimizer.class;
            if (perDevice) {
                final Map<Device, NDArray> devices = new ConcurrentHashMap<>();
                devices.put(weight.getDevice(), value);
                map.put(id(ids, array.parameter()), devices);
            } else {
                map.put(id(ids, array.parameter()), value);
            }
        }
    }

    /** The {@code Map} fields of the optimizer's own class: its state by parameter id. */
    private static List<Field> stateFields(final Optimizer optimizer) {
        final List<Field> fields = new ArrayList<>();
        for (final Field field : optimizer.getClass().getDeclaredFields()) {
            if (Map.class.isAssignableFrom(field.getType())) {
                field.setAccessible(true);
                fields.add(field);
            }
        }
        return fields;
    }

    private static NDArray array(final Object value, final Field field) {
        if (value instanceof NDArray array) {
            return array;
        }
        if (value instanceof Map<?, ?> devices && devices.size() == 1 && devices.values().iterator().next() instanceof NDArray array) {
            return array;
        }
        throw new IllegalStateException("Optimizer state " + field + " holds " + value + ": neither an array nor one array per device");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Integer> updateCountsOf(final Optimizer optimizer) {
        return (Map<String, Integer>) read(optimizer, field(Optimizer.class, "updateCounts"));
    }

    private static Map<?, ?> map(final Optimizer optimizer, final Field field) {
        return (Map<?, ?>) read(optimizer, field);
    }

    private static Field field(final Class<?> type, final String name) {
        try {
            final Field field = type.getDeclaredField(name);
            field.setAccessible(true);
            return field;
        } catch (final NoSuchFieldException e) {
            throw new IllegalStateException("DJL's " + type.getSimpleName() + " has no field " + name + ": checkpoints need the DJL version "
                    + "they were written for", e);
        }
    }

    private static Object read(final Object target, final Field field) {
        try {
            return field.get(target);
        } catch (final IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(final Object target, final Field field, final Object value) {
        try {
            field.set(target, value);
        } catch (final IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String name(final Map<String, String> names, final String id) {
        final String name = names.get(id);
        if (name == null) {
            throw new IllegalStateException("Optimizer state for a parameter the model does not have (" + id + ")");
        }
        return name;
    }

    private static String id(final Map<String, String> ids, final String name) {
        final String id = ids.get(name);
        if (id == null) {
            throw new IllegalStateException("The checkpoint holds optimizer state for parameter " + name + ", which the model does not have");
        }
        return id;
    }
}
