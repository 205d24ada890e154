"""Thin ZenML steps around the pure logic in :mod:`review_classifier`, one module each.

Nothing is imported here: a step's container (Docker, Kubeflow, Vertex AI) imports the package before its
step's module, and only the steps that use TensorFlow should pay for importing it.
"""
