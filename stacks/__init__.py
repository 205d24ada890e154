"""ZenML stack definitions (YAML) and their registration (``python -m stacks.register``)."""
