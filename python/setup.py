# SPDX-License-Identifier: Apache-2.0
"""Builds the chu package with a copy of libchu.so and the models inside it:
python3 -m pip install --no-build-isolation ./python (after make). $CHU_LIB and $CHU_MODEL_DIR
name other ones; CHU_NO_MODELS=1 leaves the models out (the package then looks for them as
chu's other programs do)."""
import glob
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        dest = os.path.join(self.build_lib, "chu")
        lib = os.environ.get("CHU_LIB") or os.path.join(ROOT, "build", "libchu.so")
        if not os.path.exists(lib):
            raise SystemExit("chu: %s is missing: run make in %s first (or set CHU_LIB)" % (lib, ROOT))
        shutil.copy(lib, os.path.join(dest, "libchu.so"))
        if not os.environ.get("CHU_NO_MODELS"):
            models = os.environ.get("CHU_MODEL_DIR") or os.path.join(ROOT, "models")
            os.makedirs(os.path.join(dest, "models"), exist_ok=True)
            for m in glob.glob(os.path.join(models, "*.chm")):
                shutil.copy(m, os.path.join(dest, "models"))


setup(cmdclass={"build_py": BuildWithLibrary})
