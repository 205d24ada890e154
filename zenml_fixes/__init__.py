"""Corrected ZenML stack-component flavors, kept together so they are deleted together.

Each module works around a bug of ZenML 0.98 and says, in its header, the symptom,
the versions checked, everything it changes, and when to delete it. The stacks select
these flavors (``stacks/*.yaml``); pipeline and step code only uses stock ZenML types.
``tests/test_zenml_fixes.py`` fails as soon as the stock ZenML class no longer has a bug,
naming the module to delete.

* ``bentoml_deployer``: model-deployer flavor ``bentoml_newstyle`` (the ``local`` stack):
  ZenML's BentoML deployer and local service, serving BentoML >= 1.2 services, failing
  the deployment when the service does not start, and stopping the BentoML workers.
* ``kubeflow_orchestrator``: orchestrator flavor ``kubeflow_resources`` (the ``kubeflow``
  stack): ZenML's Kubeflow orchestrator with step memory limits that KFP accepts.
"""
