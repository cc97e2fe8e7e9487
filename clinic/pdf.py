"""The only module that will call WeasyPrint (handouts and reports build on it).

For now it holds the URL policy every render must follow: documents may load our
own static files and nothing else. The handout work adds rendering and the
clinic's media root on top of this.
"""

from __future__ import annotations


class PdfFetchRefused(Exception):
    """A document asked for a resource outside the allowed roots."""
