"""Starting, watching and stopping the processes the project runs, in one place (``supervisor.processes``).

It imports nothing of the project, so every layer that runs a process may import it: ``stacks/``
(dockerd, the registry, the S3 store, the ZenML server), ``serving/`` (nginx, ``bentoml serve``),
``zenml_fixes/`` (the BentoML services ZenML starts), the tests and the benchmarks.
"""
