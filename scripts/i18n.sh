#!/usr/bin/env bash
# Refresh the translation catalogues after UI strings changed: extract, update, compile.
# Source strings are English; exchange/translations/de holds the German (the default locale).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o /tmp/exchange-messages.pot .
.venv/bin/pybabel update -i /tmp/exchange-messages.pot -d exchange/translations --width 100
.venv/bin/pybabel compile -d exchange/translations
