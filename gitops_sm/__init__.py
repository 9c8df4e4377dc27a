"""gitops-sm: keep SageMaker jobs, endpoints and autoscaling in line with manifests in git.

The public surface is small: the CLI (``gitops-sm``), the exception tree in ``gitops_sm.errors``
and the value types in ``gitops_sm.model``. Everything else is private to the package.
"""

__version__ = "0.1.0"
