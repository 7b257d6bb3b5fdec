"""``--tenant`` names exactly one tenant, for ``costsight serve`` and for
``python -m costsight.mcp_server``: a comma is an error pointing to ``--tenants``."""

from __future__ import annotations

import subprocess
import sys

import pytest

from costsight.cli.main import build_parser
from costsight.cli.serve_cmd import scope_of
from costsight.core.errors import ValidationError
from costsight.mcp_server.__main__ import scope_from_args
from costsight.mcp_server.scope import TenantScope

pytestmark = pytest.mark.memory


def _serve_args(*argv: str):
    return build_parser().parse_args(["serve", *argv])


def test_serve_tenant_with_a_comma_is_refused_pointing_to_tenants() -> None:
    with pytest.raises(ValidationError) as caught:
        scope_of(_serve_args("--tenant", "acme,globex"))
    assert caught.value.field == "--tenant"
    assert "--tenants" in (caught.value.allowed or "")


def test_serve_scopes() -> None:
    assert scope_of(_serve_args("--tenant", "acme")) == TenantScope.of(["acme"])
    assert scope_of(_serve_args("--tenants", "acme, globex")) == TenantScope.of(["acme", "globex"])
    assert scope_of(_serve_args("--all-tenants")).is_all


def test_module_entry_point_tenant_with_a_comma_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        scope_from_args(["acme,globex"], [], False)
    assert caught.value.field == "--tenant"
    assert scope_from_args(["acme", "globex"], [], False) == TenantScope.of(["acme", "globex"])
    assert scope_from_args([], ["acme,globex"], False) == TenantScope.of(["acme", "globex"])


def test_costsight_serve_exits_2_naming_the_option(cli) -> None:
    result = cli("serve", "--tenant", "acme,globex")
    assert result.code == 2
    assert "--tenant" in result.err and "--tenants" in result.err
    assert "Traceback" not in result.err


def test_python_m_mcp_server_exits_2_naming_the_option() -> None:
    proc = subprocess.run([sys.executable, "-m", "costsight.mcp_server", "--tenant", "acme,globex"],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2, proc.stderr
    assert "--tenant" in proc.stderr and "--tenants" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_serve_defaults_match_the_runtime() -> None:
    # serve_cmd repeats the runtime's defaults so that the CLI parser does not import the SDK.
    from costsight.cli import serve_cmd
    from costsight.mcp_server import runtime

    assert (serve_cmd.DEFAULT_HOST, serve_cmd.DEFAULT_PORT) == (
        runtime.DEFAULT_HOST, runtime.DEFAULT_PORT)
