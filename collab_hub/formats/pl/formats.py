"""Polish: short dates with dots (``04.09.2026``), as Polish readers and CLDR write them.

Django's own Polish module writes ``04-09-2026``; everything not named here comes from it.
"""

SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
