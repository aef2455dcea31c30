"""Compatibility with Locust: ``import locust`` resolving to horde inside the horde command."""

from horde.compat.alias import LOCUST_MODULES, install_locust_alias, uninstall_locust_alias

__all__ = ["LOCUST_MODULES", "install_locust_alias", "uninstall_locust_alias"]
