"""The container world the ``docker`` stack runs on: ``python -m stacks.containers up|down|status|env|install``.

``up`` (``make containers``) brings up, on loopback only, and idempotently:

* a Docker daemon (:mod:`.daemon`): a working one is reused (``DOCKER_HOST`` or the default
  socket); otherwise Debian's ``dockerd`` with its own data root and socket, without a bridge
  network (``--bridge=none --iptables=false``): builds and containers use the host's network;
* Debian's ``docker-registry`` (Distribution) on 127.0.0.1:5000 (:mod:`.registry`;
  ``REVIEW_CLASSIFIER_REGISTRY_PORT`` moves it), reused if one answers there;
* an S3 object store, moto's server, with the artifact bucket (:mod:`.object_store`);
* the ZenML server remote stacks need (:mod:`stacks.zenml_server`), the client logged in to it,
  the store's keys in a ZenML secret and the ``docker`` stack registered on it (:mod:`.login`);
* with ``--local-parent-image``, a parent image made from Debian packages (:mod:`.parent_image`)
  for machines that cannot pull ZenML's from Docker Hub.

The Debian packages come from :mod:`.apt`. What ``up`` started is recorded (PID and start time)
in the state directory (:mod:`.state`), and ``down`` (``make stop-containers``) stops exactly that
and logs the client out, back on the stack it had; running ``up`` again changes nothing.
:mod:`.world` puts the pieces together; every process is started and stopped by
:mod:`supervisor.processes`.
"""


class WorldError(RuntimeError):
    """The container world cannot come up as asked; the message says why and what to do."""
