"""reconciler: config-as-code for Zoho CRM territories, memberships and data sharing."""

__version__ = "0.1.0"
