"""Checks: every rule runs and every problem is collected, so authors fix them all in one pass."""
