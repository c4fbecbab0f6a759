"""UPR Coder: code UN Universal Periodic Review recommendations."""

__version__ = "0.1.0"
