package org.nifitransfer.core.training;

import java.nio.file.Path;
import java.util.List;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.model.FeatureExtractor;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.ParameterInfo;

/** Packages a head trained on features together with the base that computed them. */
public final class HeadModels {

    private HeadModels() {
    }

    /**
     * The complete model: base file, head weights, and a manifest built from the train feature dataset's manifest.
     *
     * @param features the train feature dataset's manifest (classes, input geometry, normalisation, base identity)
     * @param baseFile the base file the features came from
     * @param baseParameters the base's parameters (all frozen), empty for ONNX
     * @param result what head training produced
     * @param device the device it trained on
     */
    public static ModelPackage packageHead(final DatasetManifest features, final Path baseFile, final List<ParameterInfo> baseParameters,
                                           final HeadSpec head, final HeadTrainer.Result result, final String device) {
        final DatasetManifest.TensorSpec tensor = features.tensor();
        final DatasetManifest.BaseInfo base = features.features().base();
        final String entry = base.entry() != null ? base.entry() : FeatureExtractor.baseEntry(base.engine());
        final ModelManifest manifest = new ModelManifest(ModelManifest.FORMAT, ModelManifest.FORMAT_VERSION, features.runId(),
                features.classes(), new ModelManifest.InputSpec(tensor.height(), tensor.width(), tensor.channels(), tensor.normalization(),
                        tensor.resizeMode(), tensor.interpolation()),
                new DatasetManifest.BaseInfo(base.name(), base.engine(), base.sha256(), entry, base.outputShape()),
                features.features().pooling(), head, result.weights().parameters(),
                baseParameters.stream().map(parameter -> parameter.withTrainable(false)).toList(), false, null,
                result.training().history(), result.training().metrics(device));
        return new ModelPackage(manifest, baseFile, result.weights().values());
    }
}
