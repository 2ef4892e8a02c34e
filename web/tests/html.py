"""Read a rendered page the way assistive technology does: elements, their ids, the labels
that point at them, the legend of each fieldset and the form each sits in."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"input", "br", "img", "meta", "link", "hr", "col", "source", "wbr", "area", "base"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    form_action: str | None = None
    legend: str | None = None
    text: str = ""
    classes: set[str] = field(default_factory=set)
    within: set[str] = field(default_factory=set)  # the classes of every element around it


class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self._form_action: str | None = None
        self._fieldsets: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        element = Element(
            tag, attrs, self._form_action, classes=set(attrs.get("class", "").split())
        )
        if self._fieldsets:
            element.legend = self._fieldsets[-1].legend
        for outer in self._open:
            element.within |= outer.classes
        self.elements.append(element)
        if tag == "form":
            self._form_action = attrs.get("action", "")
            element.form_action = self._form_action
        if tag == "fieldset":
            self._fieldsets.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self._open.pop()

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                closed = self._open[i]
                del self._open[i:]
                break
        else:
            return
        if tag == "form":
            self._form_action = None
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()
        if tag == "legend" and self._fieldsets:
            self._fieldsets[-1].legend = " ".join(closed.text.split())

    def handle_data(self, data):
        for element in self._open:
            element.text += data

    # --- questions a test asks -----------------------------------------------------------

    def all(self, tag: str | None = None, **attrs) -> list[Element]:
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag) and all(e.attrs.get(k) == v for k, v in attrs.items())
        ]

    def one(self, tag: str | None = None, **attrs) -> Element:
        found = self.all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]

    def ids(self) -> list[str]:
        return [e.attrs["id"] for e in self.elements if "id" in e.attrs]

    def label_for(self, element_id: str) -> str | None:
        labels = [e for e in self.elements if e.tag == "label" and e.attrs.get("for") == element_id]
        return " ".join(labels[0].text.split()) if labels else None

    def fields(self) -> list[Element]:
        """Every control a person fills in (not hidden inputs or buttons)."""
        return [
            e
            for e in self.elements
            if e.tag in {"input", "select", "textarea"}
            and e.attrs.get("type") not in {"hidden", "submit", "button"}
        ]

    @property
    def title(self) -> str:
        return " ".join(self.one("title").text.split())

    def error_summary_links(self) -> list[str]:
        """The targets (ids) the error summary links to."""
        return [
            e.attrs["href"].removeprefix("#")
            for e in self.all("a")
            if "nhsuk-error-summary" in e.within and e.attrs.get("href", "").startswith("#")
        ]
