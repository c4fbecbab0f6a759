"""The self-contained app's build definitions: checked here, built by tests/test_bundle.py."""

from __future__ import annotations

import ast
import importlib.util
import re
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def _bundle_files():
    spec = importlib.util.spec_from_file_location("bundle_files", PACKAGING / "bundle_files.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_bundle_collects_every_resource_file_the_wheel_carries(built_wheel):
    with zipfile.ZipFile(built_wheel) as archive:
        in_wheel = {
            name
            for name in archive.namelist()
            if name.startswith(("annotator/_resources/", "annotator/_db/"))
            and not name.endswith("/")
        }
    in_bundle = {
        (Path(destination) / Path(source).name).as_posix()
        for source, destination in _bundle_files().datas()
    }
    assert in_wheel, "the wheel carries no resources"
    assert in_bundle == in_wheel
    # What the app reads at run time is among them (annotator/paths.py looks these up).
    for needed in ("annotator/_resources/states.csv", "annotator/_db/env.py"):
        assert needed in in_bundle
    for folder in ("codebooks", "sample", "icons"):
        assert any(name.startswith(f"annotator/_resources/{folder}/") for name in in_bundle)
    assert any(name.startswith("annotator/_db/versions/") for name in in_bundle)


def test_the_bundle_keeps_exactly_the_qt_modules_the_app_imports():
    imported = set()
    for path in (ROOT / "annotator").rglob("*.py"):
        imported |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
    bundle_files = _bundle_files()
    assert imported == set(bundle_files.QT_MODULES_USED)
    excluded = {name.removeprefix("PySide6.") for name in bundle_files.excludes()}
    assert not excluded & imported
    assert {"QtWebEngineCore", "Qt3DCore", "QtQuick", "QtQml"} <= excluded


def test_the_spec_and_the_launcher_are_valid_python_and_use_no_upx():
    spec_text = (PACKAGING / "upr-coder.spec").read_text(encoding="utf-8")
    ast.parse(spec_text)
    ast.parse((PACKAGING / "launch.py").read_text(encoding="utf-8"))
    assert "upx=True" not in spec_text
    assert spec_text.count("upx=False") == 2
    assert '"darwin"' in spec_text and "BUNDLE(" in spec_text


def test_the_workflow_parses_and_names_files_that_exist():
    workflow = yaml.safe_load((ROOT / ".github/workflows/build-app.yml").read_text())
    job = workflow["jobs"]["build"]
    assert set(job["strategy"]["matrix"]["os"]) >= {"windows-latest", "macos-latest"}
    scripts = "\n".join(step.get("run", "") for step in job["steps"])
    for named in ("scripts/build-app", "packaging\\upr-coder.iss", "tests/test_bundle.py"):
        assert named in scripts
        assert (ROOT / named.replace("\\", "/")).exists(), named
    assert "codesign --force --deep -s -" in scripts
    assert "hdiutil create" in scripts
    # scripts/build-app refuses a Linux build without the xcb plugin's libraries.
    names = [step.get("name", "") for step in job["steps"]]
    (system_step,) = [step for step in job["steps"] if "libxcb-icccm4" in step.get("run", "")]
    assert names.index(system_step["name"]) < names.index("Build")
    assert "xvfb" in system_step["run"]
    release = workflow["jobs"]["release"]
    assert release["needs"] == "build" and "gh release create" in release["steps"][-1]["run"]


def test_the_windows_installer_script_installs_the_built_folder():
    iss = (PACKAGING / "upr-coder.iss").read_text(encoding="utf-8")
    sections = set(re.findall(r"^\[(\w+)\]", iss, flags=re.MULTILINE))
    assert {"Setup", "Files", "Icons"} <= sections
    (source,) = re.findall(r'^Source: "([^"]+)"', iss, flags=re.MULTILINE)
    # Relative to the script's folder, as Inno Setup reads it; the folder scripts/build-app makes.
    assert source.replace("\\", "/") == "../dist/upr-coder/*"
    assert 'Filename: "{app}\\upr-coder.exe"' in iss
    assert re.search(r"^AppId=\{\{[0-9A-F-]{36}\}$", iss, flags=re.MULTILINE)


def test_the_icons_are_real_ico_and_icns_files_the_builds_name():
    from PIL import Image

    icons = ROOT / "resources" / "icons"
    with Image.open(icons / "upr-coder.ico") as ico:
        assert ico.format == "ICO"
        # Windows picks the size it needs: the small ones must be there, not only 256.
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(icons / "upr-coder.icns") as icns:
        assert icns.format == "ICNS"
        assert icns.size == (1024, 1024)
    spec_text = (PACKAGING / "upr-coder.spec").read_text(encoding="utf-8")
    assert 'ICON_DIR = ROOT / "resources" / "icons"' in spec_text
    assert '"upr-coder.ico"' in spec_text and '"upr-coder.icns"' in spec_text
    assert "icon=str(icon_windows)" in spec_text and "icon=str(icon_mac)" in spec_text
    iss = (PACKAGING / "upr-coder.iss").read_text(encoding="utf-8")
    (setup_icon,) = re.findall(r"^SetupIconFile=(.+)$", iss, flags=re.MULTILINE)
    # Relative to the script's folder, as Inno Setup reads it.
    assert (PACKAGING / setup_icon.replace("\\", "/")).resolve() == (icons / "upr-coder.ico")


def test_the_trim_keeps_the_plugins_a_desktop_needs_and_drops_the_rest():
    bundle_files = _bundle_files()
    plugins = "PySide6/Qt/plugins"
    for kept in (
        f"{plugins}/platforms/libqxcb.so",
        f"{plugins}/platforms/libqwayland.so",
        f"{plugins}/platforms/libqoffscreen.so",
        f"{plugins}/imageformats/libqsvg.so",
        f"{plugins}/imageformats/libqico.so",
        f"{plugins}/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6",
        "annotator/_resources/states.csv",
    ):
        assert not bundle_files.is_unused_qt_binary(kept), kept
    for dropped in (
        "PySide6/Qt/translations/qtbase_de.qm",
        f"{plugins}/platforms/libqvnc.so",
        f"{plugins}/platforms/libqeglfs.so",
        f"{plugins}/imageformats/libqtiff.so",
        f"{plugins}/egldeviceintegrations/libqeglfs-x11-integration.so",
        f"{plugins}/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        "PySide6/Qt/lib/libQt6Qml.so.6",
    ):
        assert bundle_files.is_unused_qt_binary(dropped), dropped
    assert bundle_files.is_unused_qt_file("PySide6/Qt/translations/qt_fr.qm")
