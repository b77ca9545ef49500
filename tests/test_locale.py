"""The language outside a request: CLI commands and the scheduler write texts too."""

from flask_babel import get_locale, gettext


def test_texts_outside_a_request_use_the_configured_default(app):
    with app.app_context():
        assert str(get_locale()) == app.config.get("BABEL_DEFAULT_LOCALE", "de")
        assert gettext("Flat") == "Wohnung"
