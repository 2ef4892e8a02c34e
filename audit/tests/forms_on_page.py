"""Read a form off a rendered page the way a browser would submit it, so admin tests can
change one field and post the rest unchanged."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, list[str]] = {}
        self.names: list[str] = []
        self._select: tuple[str, bool] | None = None  # (name, multiple)
        self._select_first: str | None = None
        self._select_chose = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            self._declare(name)
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.fields[name].append(a.get("value") or "on")
            else:
                self.fields[name].append(a.get("value") or "")
        elif tag == "select" and name:
            self._declare(name)
            self._select = (name, "multiple" in a)
            self._select_first, self._select_chose = None, False
        elif tag == "option" and self._select:
            value = a.get("value") or ""
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self.fields[self._select[0]].append(value)
                self._select_chose = True
        elif tag == "textarea" and name:
            self._declare(name)
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            name, multiple = self._select
            if not multiple and not self._select_chose and self._select_first is not None:
                self.fields[name].append(self._select_first)  # what a browser sends
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields[self._textarea].append("".join(self._text).removeprefix("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def _declare(self, name):
        if name not in self.fields:
            self.fields[name] = []
            self.names.append(name)


def form_values(html: str, form_id: str) -> dict[str, list[str]]:
    """The values the form `form_id` would submit: name -> list of values (checkboxes that
    are not ticked and multi-selects with nothing chosen send nothing)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.names, f"no form with id {form_id!r} on the page"
    return {name: values for name, values in reader.fields.items() if values}
