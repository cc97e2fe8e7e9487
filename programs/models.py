"""Exercise prescription (exercises, programs, dosage). Filled by the program builder work."""

from __future__ import annotations
