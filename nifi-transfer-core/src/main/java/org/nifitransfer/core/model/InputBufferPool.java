package org.nifitransfer.core.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Direct input buffers (native order) for ONNX Runtime, one per batch running at once, reused from batch to batch.
 * ONNX Runtime reads a direct buffer in place and copies any other into a new direct buffer per batch, freed only when
 * a garbage collection finds it: over a long extraction those copies pile up outside the heap.
 */
final class InputBufferPool {

    private final Deque<FloatBuffer> buffers = new ConcurrentLinkedDeque<>();

    /** A buffer for {@code floats} floats, cleared, with its limit there; give it back with {@link #release}. */
    FloatBuffer borrow(final int floats) {
        FloatBuffer buffer = buffers.poll();
        if (buffer == null || buffer.capacity() < floats) {
            buffer = ByteBuffer.allocateDirect(Math.multiplyExact(floats, Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        buffer.clear().limit(floats);
        return buffer;
    }

    /** Takes a buffer back once the run that read it is over (ONNX Runtime's outputs are its own memory, never the input's). */
    void release(final FloatBuffer buffer) {
        buffers.push(buffer);
    }

    /** How many buffers are held for reuse. */
    int size() {
        return buffers.size();
    }
}
