"""helpdesk: the console of the inspection helpline."""

__version__ = "0.1.0"
