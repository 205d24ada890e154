"""The project's names, spelled once.

ZenML, BentoML and the CLI all look things up by these strings: the Model
Control Plane by model name, the model deployer by pipeline and step name,
``run.py`` by pipeline name. A typo in any copy would silently find nothing,
so every caller imports them from here. Nothing heavy is imported, so the
command line and the service can use them without loading TensorFlow or ZenML.
"""

from __future__ import annotations

#: The ZenML model (Model Control Plane) every pipeline runs under.
MODEL_NAME = "review_classifier"
#: The BentoML model and Bento built from a production model version.
BENTO_NAME = "review_classifier"

#: ZenML pipeline names; run configs name them in ``extra.pipeline``.
TRAINING_PIPELINE = "training"
DEPLOYMENT_PIPELINE = "deployment"
BATCH_INFERENCE_PIPELINE = "batch_inference"
PIPELINE_NAMES = (TRAINING_PIPELINE, DEPLOYMENT_PIPELINE, BATCH_INFERENCE_PIPELINE)

#: The deployment pipeline's step that starts the service; the model deployer finds services by it.
DEPLOY_STEP = "deploy"

#: Model version metadata keys (the models table reads them; the threshold also goes into the BentoML model).
TEST_METRICS = "test_metrics"
PROMOTION = "promotion"
DECISION_THRESHOLD = "decision_threshold"
#: Vocabulary artifact metadata: the validation split's profile, the reference of batch inference's drift check.
VALIDATION_PROFILE = "validation_profile"
BASELINE_METRICS = "baseline_metrics"
LIFT = "lift_over_baseline"
