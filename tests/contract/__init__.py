"""Contract tests: responses checked against the official Zoho CRM OpenAPI specs.

See docs/contract-tests.md. The spec files stay outside the repository (they may not be
shipped) and are located through RECONCILER_ZOHO_API_DIR (location.py).
"""
