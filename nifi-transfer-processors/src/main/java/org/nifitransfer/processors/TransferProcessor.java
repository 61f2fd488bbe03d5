package org.nifitransfer.processors;

import java.util.List;
import java.util.Set;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.Relationship;

/**
 * The base of every processor of the bundle: the properties and relationships it declares, given once by the subclass's
 * constructor, as NiFi's own processors keep them in two constants.
 */
public abstract class TransferProcessor extends AbstractProcessor {

    private final List<PropertyDescriptor> properties;
    private final Set<Relationship> relationships;

    TransferProcessor(final List<PropertyDescriptor> properties, final Set<Relationship> relationships) {
        this.properties = List.copyOf(properties);
        this.relationships = Set.copyOf(relationships);
    }

    @Override
    public Set<Relationship> getRelationships() {
        return relationships;
    }

    @Override
    protected final List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return properties;
    }
}
