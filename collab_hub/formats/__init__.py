"""Per-language date and number formats that differ from Django's (``FORMAT_MODULE_PATH``)."""
