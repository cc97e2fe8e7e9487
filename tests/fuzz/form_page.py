"""Reading a form page the way a browser does: which of its forms post to a given URL,
and the one-save token (clinic/once.py) each of them would send.

The sent-twice check takes its token from here rather than making one up, so that a
page which forgets `{% once_field %}` (or renders a SentOnce form without its `once`
field) fails it: the browser would send no token, and nothing would be saved once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class PostForm:
    """One `<form method=post>` of a page: where it posts (resolved against the page's
    URL) and the values of its named inputs (no `once`: the page sends no token)."""

    posts_to: str
    inputs: dict[str, list[str]] = field(default_factory=dict)

    def first(self, name: str) -> str:
        """What the browser sends for `name` ("" when the form has no such input): a
        form with two of them sends both, and the view reads the first."""
        values = self.inputs.get(name)
        return values[0] if values else ""


def where(url: str) -> tuple[str, str]:
    """What two URLs must share to be the same endpoint: path and query (the host, and
    a fragment the browser never sends, do not count)."""
    parts = urlsplit(url)
    return parts.path, parts.query


class _PostForms(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[PostForm] = []
        self._in_form = False
        self._open: PostForm | None = None  # the POST form being read, if any
        self.nested = 0  # <form> tags inside another form

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            # A browser ignores a <form> inside another (a {% crispy %} form tag inside
            # the template's own): its fields belong to the outer one, which the first
            # </form> closes. Counted: the page is wrong, whatever it sends.
            if self._in_form:
                self.nested += 1
                return
            self._in_form = True
            # htmx sends a form with hx-post to hx-post's URL, whatever its action says;
            # an empty or missing one (action="" or hx-post="") is the page itself.
            if "hx-post" in attributes:
                target = attributes["hx-post"]
            elif attributes.get("method", "get").lower() == "post":
                target = attributes.get("action", "")
            else:
                return
            self._open = PostForm(posts_to=urljoin(self.page_url, target))
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and attributes.get("name"):
            self._open.inputs.setdefault(attributes["name"], []).append(attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
            self._open = None


def forms_posting_to(html: str, page_url: str, post_url: str) -> tuple[list[PostForm], int]:
    """The page's POST forms whose sending goes to `post_url`, and how many <form> tags
    the page has inside another form (invalid HTML: the inner one's attributes are lost)."""
    parser = _PostForms(page_url)
    parser.feed(html)
    parser.close()
    forms = [form for form in parser.forms if where(form.posts_to) == where(post_url)]
    return forms, parser.nested
