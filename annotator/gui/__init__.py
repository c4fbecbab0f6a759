"""The PySide6 user interface: the only part of UPR Coder that imports Qt."""
