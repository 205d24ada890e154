"""ZenML's BentoML model deployer, corrected for BentoML >= 1.2 services.

ZenML 0.98's local BentoML deployment checks ``isinstance(svc, bentoml.Service)``
to detect an *old-style* service, but since BentoML 1.2 ``bentoml.Service`` is the
new-style class. A ``@bentoml.service`` therefore goes down the old code path, its
daemon dies on ``svc.runners``, and the deploy step still reports success. Here
the daemon serves new-style services with BentoML's own server, and the deployer
raises when the service does not come up. Registered as flavor ``bentoml_newstyle``.
"""

from __future__ import annotations

from typing import Type
from uuid import UUID

import psutil

from zenml.constants import DEFAULT_LOCAL_SERVICE_IP_ADDRESS
from zenml.integrations.bentoml.flavors.bentoml_model_deployer_flavor import BentoMLModelDeployerFlavor
from zenml.integrations.bentoml.model_deployers.bentoml_model_deployer import BentoMLModelDeployer
from zenml.integrations.bentoml.services.bentoml_local_deployment import (
    BentoMLLocalDeploymentConfig,
    BentoMLLocalDeploymentService,
    SSLBentoMLParametersConfig,
)
from zenml.services.service import BaseService, ServiceConfig


class NewStyleBentoMLLocalDeploymentService(BentoMLLocalDeploymentService):
    """The stock service (same config, endpoint, ``SERVICE_TYPE``) with a ``run`` that works."""

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
        """Stop the daemon and the BentoML workers it started.

        The workers hold the listening socket; if only the daemon died they
        would go on answering requests for a deployment ZenML calls stopped.
        """
        try:
            workers = psutil.Process(self.status.pid).children(recursive=True) if self.status.pid else []
        except psutil.NoSuchProcess:
            workers = []
        super().deprovision(force=force)
        for worker in workers:
            try:
                worker.terminate()
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(workers, timeout=15)
        for worker in alive:
            worker.kill()


class NewStyleBentoMLModelDeployer(BentoMLModelDeployer):
    """Creates the corrected service, and fails loudly when it does not start."""

    def _create_new_service(self, id: UUID, timeout: int, config: ServiceConfig) -> BaseService:
        if not isinstance(config, BentoMLLocalDeploymentConfig):
            return super()._create_new_service(id=id, timeout=timeout, config=config)
        config.root_runtime_path = self.local_path
        service = NewStyleBentoMLLocalDeploymentService(uuid=id, config=config)
        service.start(timeout=timeout)
        if not service.is_running:
            raise RuntimeError(f"BentoML service {config.bento_tag} did not start; see {service.status.log_file}")
        return service


class NewStyleBentoMLModelDeployerFlavor(BentoMLModelDeployerFlavor):
    """Flavor ``bentoml_newstyle``: the stock BentoML deployer with the fix above."""

    @property
    def name(self) -> str:
        return "bentoml_newstyle"

    @property
    def implementation_class(self) -> Type[NewStyleBentoMLModelDeployer]:
        return NewStyleBentoMLModelDeployer
