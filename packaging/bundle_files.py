"""What the self-contained app carries besides code: read by upr-coder.spec and by the tests.

The data files come from the wheel's own mapping (pyproject's force-include table), so
that ``annotator/paths.py`` finds ``annotator/_resources`` and ``annotator/_db`` in a
bundle exactly as it does in an installed wheel, and a folder added to the wheel is
added to the bundle without a second list to keep in step.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The Qt modules annotator imports (tests/test_bundle_config.py checks the list against
# the source); every other PySide6 module is left out of the bundle.
QT_MODULES_USED = ("QtCore", "QtGui", "QtWidgets", "QtCharts", "QtSvg")

# Large Qt parts the app never uses, named so PyInstaller does not follow them in.
QT_EXCLUDED = (
    "QtWebEngineCore",
    "QtWebEngineWidgets",
    "QtWebEngineQuick",
    "QtWebChannel",
    "QtWebSockets",
    "QtQuick",
    "QtQuick3D",
    "QtQuickWidgets",
    "QtQml",
    "Qt3DCore",
    "Qt3DRender",
    "Qt3DInput",
    "Qt3DLogic",
    "Qt3DAnimation",
    "Qt3DExtras",
    "QtMultimedia",
    "QtMultimediaWidgets",
    "QtPdf",
    "QtPdfWidgets",
    "QtDataVisualization",
    "QtGraphs",
    "QtLocation",
    "QtPositioning",
    "QtBluetooth",
    "QtNfc",
    "QtSensors",
    "QtSerialPort",
    "QtSpatialAudio",
    "QtTextToSpeech",
    "QtRemoteObjects",
    "QtScxml",
    "QtDesigner",
    "QtHelp",
    "QtUiTools",
    "QtSql",
    "QtTest",
    "QtNetworkAuth",
    "QtHttpServer",
)

# Python packages present in a developer's environment (test tools) that the app
# never imports; excluded so an optional import in a dependency does not drag them in.
PY_EXCLUDED = (
    "tkinter",
    "matplotlib",
    "scipy",
    "sklearn",
    "statsmodels",
    "nltk",
    "krippendorff",
    "irrCAC",
    "IPython",
    "pytest",
    "hypothesis",
    "mypy",
    "PyInstaller",
    # Pillow (needed by pdfplumber) loads its AVIF plugin only for AVIF images, which the
    # app never opens; the plugin brings a 5 MB libavif.
    "PIL.AvifImagePlugin",
    "PIL._avif",
)


def wheel_mapping(root: Path = ROOT) -> dict[str, str]:
    """Source folder -> folder inside the package, as the wheel maps them."""
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    return {str(src): str(dest) for src, dest in mapping.items()}


def datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """PyInstaller datas: one entry per file, so the list can be compared with a wheel's."""
    entries = []
    for src, dest in wheel_mapping(root).items():
        base = root / src
        for path in sorted(base.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                relative_parent = path.relative_to(base).parent
                entries.append((str(path), str(Path(dest) / relative_parent)))
    return entries


# Qt libraries linked in only by plugins the app does not need, and those plugins.
# The virtual keyboard is a Qt Quick plugin (it cannot load without them); the EGL
# full-screen libraries serve only the eglfs plugins left out below.
QT_UNUSED_BINARIES = (
    "Qt6Quick",
    "Qt6Qml",
    "Qt6Pdf",
    "libqpdf",
    "qt-shell",
    "Qt6VirtualKeyboard",
    "libqtvirtualkeyboardplugin",
    "Qt6EglFSDeviceIntegration",
    "Qt6EglFsKmsSupport",
)


# Qt pieces for machines or files the app does not meet, measured in the packed archive
# (README, "Building it"): the translations of Qt's own dialogs (the app's words are
# English and it installs no translator), the platform plugins for screens without a
# desktop (framebuffer, EGL full-screen, VNC, Vulkan display) with EGL's device plugins,
# and image formats the app never opens (it shows SVG and PNG icons).
QT_UNUSED_FOLDERS = ("PySide6/Qt/translations/", "PySide6/Qt/plugins/egldeviceintegrations/")
QT_UNUSED_PLUGINS = {
    "platforms": ("libqeglfs", "libqlinuxfb", "libqminimalegl", "libqvkkhrdisplay", "libqvnc"),
    "imageformats": ("libqtiff", "libqwebp", "libqwbmp", "libqtga", "libqicns"),
}


def is_unused_qt_binary(destination: str) -> bool:
    path = Path(destination)
    if any(part in path.name for part in QT_UNUSED_BINARIES):
        return True
    return is_unused_qt_file(destination)


def is_unused_qt_file(destination: str) -> bool:
    """A Qt data file or plugin the app never loads (destination inside the bundle)."""
    posix = Path(destination).as_posix()
    if posix.startswith(QT_UNUSED_FOLDERS):
        return True
    path = Path(posix)
    unused = QT_UNUSED_PLUGINS.get(path.parent.name, ())
    return path.parent.parent.name == "plugins" and path.name.startswith(unused)


def excludes() -> list[str]:
    return [f"PySide6.{name}" for name in QT_EXCLUDED] + list(PY_EXCLUDED)
