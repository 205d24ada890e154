"""Pure logic of the review classifier, shared by the ZenML steps and the BentoML service.

Nothing here imports ZenML: it is plain Python, NLTK, NumPy, scikit-learn and
Keras. The serving image carries only the modules predicting imports (no scikit-learn) and the model files.
"""
