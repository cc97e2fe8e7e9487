"""How the API reads request bodies (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES). Its own
module: DRF imports the parser while rest_framework.views is still loading, so it must not
import the views (clinic.api.framework does)."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JsonParser(JSONParser):
    """DRF's JSON parser, refusing a body nested deeper than Python can read as it refuses
    any other malformed body: json raises RecursionError there, which DRF lets through as
    a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - nested too deeply.") from error
