"""Widgets are drawn by Jinja2 (socialrx.widgets.WidgetRenderer, FORM_RENDERER): the HTML is
the same as Django's own templates draw, values are escaped, and a widget with no Jinja2
template (the admin's) is still drawn."""

import importlib
import inspect
import re

import pytest
from django import forms
from django.apps import apps
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template import TemplateDoesNotExist

from casework.forms import ProposeConnectionForm
from directory.tests.factories import ServiceFactory
from socialrx.widgets import DateInputWidget, WidgetRenderer

HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"


def _project_forms() -> list[type[forms.BaseForm]]:
    """Every form class defined in a socialrx app's forms module that needs no arguments."""
    found = []
    for config in apps.get_app_configs():
        if "site-packages" in config.path:
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def _instances(cls) -> list[forms.BaseForm]:
    try:
        blank = cls()
    except TypeError:
        return []  # needs the page's own arguments (checked by the pages' tests)
    data = {}
    for name in blank.fields:
        key = blank.add_prefix(name)
        data[key] = HOSTILE
        for part in range(3):  # the parts of a multi-widget (the date input's boxes)
            data[f"{key}_{part}"] = HOSTILE
    return [blank, cls(data=data)]


def _same_form(html: str) -> str:
    """Whitespace between tags aside, and markupsafe's &#34; and &#39; for Django's &quot;
    and &#x27; (both escape the same five characters)."""
    html = html.replace("&#34;", "&quot;").replace("&#39;", "&#x27;")
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


def test_every_widget_is_drawn_by_jinja2():
    assert isinstance(get_default_renderer(), WidgetRenderer)


FORMS = _project_forms()


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_jinja2_draws_the_html_django_templates_draw(form_class):
    django_templates = DjangoTemplates()
    forms_drawn = _instances(form_class)
    compared = 0
    for form in forms_drawn:
        for field in form:
            widget = field.field.widget
            try:
                django_templates.get_template(widget.template_name)
            except TemplateDoesNotExist:
                continue  # ours, in Jinja2 only: checked below
            ours = field.as_widget()
            form.renderer = django_templates
            theirs = field.as_widget()
            form.renderer = get_default_renderer()
            assert _same_form(ours) == _same_form(theirs), field.html_name
            assert "<script>" not in ours
            compared += 1
    if forms_drawn:
        widgets = [f.field.widget for f in forms_drawn[0]]
        assert compared or all(isinstance(w, DateInputWidget) for w in widgets), (
            "no widget compared"
        )


def test_enough_forms_are_compared():
    assert sum(1 for cls in FORMS if _instances(cls)) >= 15


def test_the_date_input_draws_three_labelled_boxes_with_the_values_escaped():
    widget = DateInputWidget()
    html = widget.render("born", [HOSTILE, "3", "1984"], attrs={"id": "id_born"})
    assert html.count('type="text"') == 3
    for part, label in enumerate(("Day", "Month", "Year")):
        assert f'for="id_born_{part}">{label}</label>' in html
        assert f'name="born_{part}"' in html
    assert 'value="3"' in html and 'value="1984"' in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;quoted&#39;" in html
    assert 'inputmode="numeric"' in html


@pytest.mark.django_db
def test_the_service_picker_lists_each_service_once_with_its_name_escaped():
    services = [ServiceFactory(name=HOSTILE), ServiceFactory(name="Walking group")]
    form = ProposeConnectionForm(services=services[0].__class__.objects.all())
    html = form["service"].as_widget()
    assert html.startswith('<select name="propose-service"')
    for service in services:
        assert html.count(f'value="{service.pk}"') == 1
    assert "<script>" not in html
    assert ">Walking group</option>" in html


def test_a_widget_without_a_jinja2_template_is_drawn_by_django_templates():
    renderer = WidgetRenderer()
    with pytest.raises(TemplateDoesNotExist):
        renderer.engine.get_template(RelatedFieldWidgetWrapper.template_name)
    template = renderer.get_template(RelatedFieldWidgetWrapper.template_name)
    assert "related-widget-wrapper" in template.render({})
