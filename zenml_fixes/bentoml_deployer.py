"""Model-deployer flavor ``bentoml_newstyle``: ZenML's BentoML deployer, corrected for BentoML >= 1.2.

Symptom: ``make serve`` reports success, but nothing answers on the port; the service
log ends in ``AttributeError: 'Service' object has no attribute 'runners'``.

Versions checked (site-packages): ZenML 0.98.0 (``zenml.integrations.bentoml``) with
BentoML 1.4.39; the stock code comes from ZenML, whatever BentoML >= 1.2 it runs with.

What it changes, and nothing else (config, endpoint, ``SERVICE_TYPE`` are the stock ones):

1. ``run`` (the daemon): stock tells old-style from new-style services with
   ``isinstance(svc, bentoml.Service)``, true for a ``@bentoml.service`` since BentoML 1.2,
   so it starts the old ``serve_http_production``, which dies on ``svc.runners``. Here only
   a ``bentoml.legacy.Service`` takes the stock path; others are served by ``serve_http``.
2. ``_create_new_service`` (the deployer): stock only logs when the service does not come up
   within ``timeout``, so ``deploy_model`` records it and the step succeeds. Here it raises,
   naming the service log and quoting its end, and ``deploy_model`` removes the record and fails
   the step. It raises as soon as the daemon exits or its log shows a traceback (a model that
   fails to load: BentoML's arbiter respawns the worker rather than exit), not after ``timeout``,
   and it stops whatever of the service still runs first.
3. ``deprovision``: stock signals the daemon process only. A forced stop (SIGKILL) leaves
   the BentoML workers it started orphaned, still holding the port and answering requests.
   Here the daemon's whole process tree is stopped (SIGTERM, SIGKILL after 15 s).

4. ``find_model_server(config=...)`` (the deployer): stock ignores ``config`` (the store's
   service filter leaves it out), so ``deploy_model`` without continuous deployment mode finds
   *any* service of the type "with the exact same configuration" and returns it instead of
   starting the new one. Here only services whose stored config has every given value match.

5. The container deployment (``BentoMLContainerDeploymentConfig``): stock runs ZenML's service
   entrypoint inside the Bento's image, so the image must hold ZenML and the client's config,
   and the ``bentoml serve`` it starts there ignores the configured host and port; it publishes
   the port and maps ``host.docker.internal``, both of which need Docker's bridge network; and
   it containerizes in ``provision``, where a failed build is only logged; and it counts the
   service running once the container runs, before the server answers. Here the image (built
   and pushed before, ``serving/container.py``) runs its own entrypoint, ``serve --host --port``,
   on the host network, it runs once its readiness check answers, and a start-up failure is
   detected and quoted as in 2, from the container's log.

6. ``deploy_model`` (the deployer): stock records a new service without its source and its status (the
   daemon's runtime path, so its PID) until it is ready, and ``find_model_server`` deletes every record
   without a source. A ``make status`` while a deploy starts its service deletes that service's record, and
   the deploy then fails; a deploy killed while its service starts leaves that service running with a
   record the next lookup deletes, so nothing ever stops it. Here the record gets both as soon as the
   daemon is started (in ``_create_new_service``): a lookup meanwhile finds the starting service, and a
   stop finds its processes.

Delete when ``tests/test_zenml_fixes.py`` reports all six stock behaviours fixed (each
test names this file); then set ``flavor: bentoml`` in ``stacks/local.yaml`` and drop
``bentoml_newstyle`` from ``stacks/register.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Type, Union
from uuid import UUID

import psutil
from zenml.client import Client
from zenml.constants import DEFAULT_LOCAL_SERVICE_IP_ADDRESS
from zenml.enums import ServiceState
from zenml.integrations.bentoml.flavors.bentoml_model_deployer_flavor import BentoMLModelDeployerFlavor
from zenml.integrations.bentoml.model_deployers.bentoml_model_deployer import BentoMLModelDeployer
from zenml.integrations.bentoml.services.bentoml_container_deployment import (
    BentoMLContainerDeploymentConfig,
    BentoMLContainerDeploymentService,
)
from zenml.integrations.bentoml.services.bentoml_local_deployment import (
    BentoMLLocalDeploymentConfig,
    BentoMLLocalDeploymentService,
    SSLBentoMLParametersConfig,
)
from zenml.services.service import BaseService, ServiceConfig

from supervisor import processes

#: A traceback's last line: the exception and its message.
ERROR_LINE = re.compile(r"^[\w.]*(?:Error|Exception)\b.*$", re.MULTILINE)


class NewStyleBentoMLLocalDeploymentService(BentoMLLocalDeploymentService):
    """The stock service with changes 1 and 3 of the module docstring."""

    def run(self) -> None:
        from _bentoml_impl.server import serve_http
        from bentoml._internal.service.loader import load
        from bentoml.legacy import Service as LegacyService

        working_dir = self.config.working_dir or "."
        service = load(bento_identifier=self.config.bento_tag, working_dir=working_dir)
        if isinstance(service, LegacyService):
            super().run()
            return
        self.endpoint.prepare_for_start()
        ssl = self.config.ssl_parameters or SSLBentoMLParametersConfig()
        service.inject_config()
        try:
            serve_http(  # blocks until ZenML stops the daemon
                self.config.bento_tag,
                working_dir=working_dir,
                host=self.config.host or DEFAULT_LOCAL_SERVICE_IP_ADDRESS,
                port=self.config.port,
                backlog=self.config.backlog,
                ssl_certfile=ssl.ssl_certfile,
                ssl_keyfile=ssl.ssl_keyfile,
                ssl_keyfile_password=ssl.ssl_keyfile_password,
                ssl_version=ssl.ssl_version,
                ssl_cert_reqs=ssl.ssl_cert_reqs,
                ssl_ca_certs=ssl.ssl_ca_certs,
                ssl_ciphers=ssl.ssl_ciphers,
            )
        except KeyboardInterrupt:
            pass

    def deprovision(self, force: bool = False) -> None:
        """Stop the daemon and the BentoML workers it started, and return once they have exited.

        The workers hold the listening socket; if only the daemon died they
        would go on answering requests for a deployment ZenML calls stopped.
        """
        try:
            daemon = psutil.Process(self.status.pid) if self.status.pid else None
            workers = daemon.children(recursive=True) if daemon else []
        except psutil.NoSuchProcess:
            daemon, workers = None, []
        super().deprovision(force=force)
        processes.stop_processes(workers, timeout=15, signalled=[daemon] if daemon else [])

    def exited(self, seen_pid: Optional[int]) -> Optional[str]:
        """Why the service is gone for good, if it is: its daemon, once seen, has no PID any more."""
        return f"the service daemon (PID {seen_pid}) exited" if seen_pid and self.status.pid is None else None

    def log_text(self) -> str:
        log = self.status.log_file
        return Path(log).read_text(errors="replace") if log and Path(log).is_file() else ""

    def log_location(self) -> str:
        return str(self.status.log_file)


class NewStyleBentoMLContainerDeploymentService(BentoMLContainerDeploymentService):
    """The stock container service with change 5: the image's own server, on the host network."""

    @property
    def is_running(self) -> bool:
        self.update_status()
        return self.status.state == ServiceState.ACTIVE and self.endpoint.is_active()

    def provision(self) -> None:
        self._setup_runtime_path()
        self.endpoint.prepare_for_start()
        stale = self.container
        if stale is not None:
            stale.remove(force=True)
        self.docker_client.containers.run(
            name=self.container_id,
            image=self.config.image,
            # BentoML's entrypoint: `serve ARGS` is `bentoml serve ARGS $BENTO_PATH`.
            command=["serve", "--host", self.endpoint.status.hostname, "--port", str(self.endpoint.status.port)],
            detach=True,
            network_mode="host",
            labels={"zenml-service-uuid": str(self.uuid)},
        )

    def exited(self, seen_pid: Optional[int]) -> Optional[str]:
        container = self.container
        if container is None:
            return f"its container {self.container_id} is gone"
        if container.status in ("exited", "dead"):
            return f"its container {self.container_id} exited with code {container.attrs['State']['ExitCode']}"
        return None

    def log_text(self) -> str:
        container = self.container
        return container.logs().decode(errors="replace") if container is not None else ""

    def log_location(self) -> str:
        return f"`docker logs {self.container_id}`"


class NewStyleBentoMLModelDeployer(BentoMLModelDeployer):
    """The stock deployer with changes 2, 4 and 6, creating the service above."""

    def find_model_server(self, config: Optional[Dict[str, Any]] = None, **criteria: Any) -> List[BaseService]:
        found = super().find_model_server(config=config, **criteria)
        wanted = {key: value for key, value in (config or {}).items() if value is not None}
        return [s for s in found if all(s.config.model_dump().get(k) == v for k, v in wanted.items())]

    def _create_new_service(self, id: UUID, timeout: int, config: ServiceConfig) -> BaseService:
        service: Union[NewStyleBentoMLLocalDeploymentService, NewStyleBentoMLContainerDeploymentService]
        config.root_runtime_path = self.local_path
        if isinstance(config, BentoMLLocalDeploymentConfig):
            service = NewStyleBentoMLLocalDeploymentService(uuid=id, config=config)
        elif isinstance(config, BentoMLContainerDeploymentConfig):
            service = NewStyleBentoMLContainerDeploymentService(uuid=id, config=config)
        else:
            return super()._create_new_service(id=id, timeout=timeout, config=config)
        service.start(timeout=0)
        # Change 6: recorded as started at once (source, status with the runtime path), not only once ready.
        Client().update_service(
            id=id,
            service_source=service.model_dump()["type"],
            admin_state=service.admin_state,
            status=service.status.model_dump(),
            endpoint=service.endpoint.model_dump() if service.endpoint else None,
        )
        try:
            processes.wait_ready(
                f"BentoML service {config.bento_tag}", lambda: service.is_running, _Starting(service), timeout
            )
        except processes.NotReady:
            service.stop(timeout=30, force=True)
            raise
        return service


class _Starting:
    """A starting service as :func:`supervisor.processes.wait_ready` watches it: it fails as soon as its
    daemon or container exits, or its log shows a traceback (a model that fails to load: BentoML's arbiter
    respawns the worker rather than exit)."""

    def __init__(
        self, service: Union[NewStyleBentoMLLocalDeploymentService, NewStyleBentoMLContainerDeploymentService]
    ) -> None:
        self.service = service
        self.seen_pid: Optional[int] = None

    def failure(self) -> Optional[str]:
        gone = self.service.exited(self.seen_pid)
        if gone is not None:
            return gone
        self.seen_pid = getattr(self.service.status, "pid", None) or self.seen_pid  # a container has no PID
        text = self.log_text()
        if "Traceback (most recent call last)" in text:
            errors = ERROR_LINE.findall(text)
            return f"its log shows {errors[-1] if errors else 'an error'}"
        return None

    def log_text(self) -> str:
        return self.service.log_text()

    def log_location(self) -> str:
        return self.service.log_location()


class NewStyleBentoMLModelDeployerFlavor(BentoMLModelDeployerFlavor):
    """Flavor ``bentoml_newstyle``, selected by ``stacks/local.yaml``."""

    @property
    def name(self) -> str:
        return "bentoml_newstyle"

    @property
    def implementation_class(self) -> Type[NewStyleBentoMLModelDeployer]:
        return NewStyleBentoMLModelDeployer
