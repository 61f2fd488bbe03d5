package org.nifitransfer.processors;

import java.util.List;
import java.util.Set;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.InputRequirement.Requirement;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;

/**
 * The processors that turn one dataset or model flowfile into another, one at a time: ResizeAndNormalize, Augment,
 * ExtractFeatures and UnfreezeLayers. They take the next flowfile the same way, and rewrite its content with
 * {@link ProcessorSupport#rewrite}, so a stop returns it to its queue and a failure routes it with the reason.
 */
@InputRequirement(Requirement.INPUT_REQUIRED)
public abstract class DatasetProcessor extends TransferProcessor {

    DatasetProcessor(final List<PropertyDescriptor> properties, final Set<Relationship> relationships) {
        super(properties, relationships);
    }

    @Override
    public final void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        final FlowFile flowFile = session.get();
        if (flowFile != null) {
            onFlowFile(context, session, flowFile);
        }
    }

    /** Works on one flowfile, and transfers it (or rolls the session back). */
    abstract void onFlowFile(ProcessContext context, ProcessSession session, FlowFile flowFile);
}
