"""Pure logic of the review classifier, shared by the ZenML steps and the BentoML service.

Nothing here imports ZenML: it is plain Python, NLTK, NumPy, scikit-learn and
Keras, so the serving image needs only this package and its model files.
"""
