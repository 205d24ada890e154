"""The operator's commands, on top of the pipelines: what ``run.py`` and the Makefile call.

``run.py`` parses its command line and hands over to :mod:`commands.pipeline` (``--config``),
:mod:`commands.models` (``models``) and :mod:`commands.params` (``params``); ``make status``,
``make rollback`` and ``make stop-serve`` run :mod:`commands.status`, :mod:`commands.rollback`
and :mod:`commands.stop`. Nothing below this package imports it (tests/unit/test_layers.py).
"""
