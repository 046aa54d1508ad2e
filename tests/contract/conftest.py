"""Make the contract fixtures available here even before tests/conftest.py registers the plugin.

Once tests/conftest.py has `pytest_plugins = ["tests.contract.plugin"]`, this re-export is
redundant (a conftest fixture simply shadows the identical plugin one) and can be deleted.
"""

from tests.contract.plugin import oas, oas_dir, validating_transport

__all__ = ["oas", "oas_dir", "validating_transport"]
