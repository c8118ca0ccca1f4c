"""The e2e harness itself: a misconfigured CI run must fail, not turn green by skipping."""
import os
import subprocess
import sys


def test_missing_binary_fails_under_ci():
    here = os.path.dirname(os.path.abspath(__file__))
    env = {k: v for k, v in os.environ.items() if k not in ("SKIFF_BIN", "PYTEST_ADDOPTS")}
    env.update(CI="1", PATH="/nonexistent")  # no skiff to find on PATH either
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             os.path.join(here, "test_kubectl.py") + "::test_auth"],
                            cwd=here, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "SKIFF_BIN is not set" in result.stdout + result.stderr
